// instance-service: serves instance.v1.DbServerService, the only writer of the
// db_servers table. Flags fall back to INSTANCE_SERVICE_* environment variables.
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "glog/logging.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "instance/v1/error_reason.pb.h"
#include "serving/env_default.h"
#include "serving/grpc_host.h"
#include "serving/shutdown_signal.h"

using dbs::serving::EnvOr;

ABSL_FLAG(std::string, listen, EnvOr("INSTANCE_SERVICE_LISTEN", "127.0.0.1:50051"),
          "gRPC listen address host:port [env INSTANCE_SERVICE_LISTEN]");
ABSL_FLAG(int64_t, max_threads, EnvOr("INSTANCE_SERVICE_MAX_THREADS", int64_t{64}),
          "Maximum concurrent calls [env INSTANCE_SERVICE_MAX_THREADS]");
ABSL_FLAG(int64_t, drain_seconds, EnvOr("INSTANCE_SERVICE_DRAIN_SECONDS", int64_t{20}),
          "Grace period for in-flight calls on SIGTERM [env INSTANCE_SERVICE_DRAIN_SECONDS]");

int main(int argc, char** argv) {
  dbs::serving::BlockShutdownSignals();
  absl::SetProgramUsageMessage("instance-service: the db_servers API (instance.v1)");
  absl::ParseCommandLine(argc, argv);
  // glog 0.6 takes its options from GLOG_* environment variables, not absl flags.
  if (std::getenv("GLOG_logtostderr") == nullptr) FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);

  instance::v1::DbServerService::Service db_server_service;
  // Error reasons travel as strings; touching the enum keeps its descriptor linked
  // so grpcurl users can `describe instance.v1.ErrorReason` through reflection.
  (void)instance::v1::ErrorReason_descriptor();

  dbs::serving::GrpcHostOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.max_threads = static_cast<int>(absl::GetFlag(FLAGS_max_threads));
  options.drain_grace = absl::Seconds(absl::GetFlag(FLAGS_drain_seconds));
  auto host = dbs::serving::GrpcHost::Start(
      std::move(options),
      {{&db_server_service, instance::v1::DbServerService::service_full_name()}});
  if (!host.ok()) {
    LOG(ERROR) << host.status();
    return EXIT_FAILURE;
  }

  const int signal_number = dbs::serving::WaitForShutdownSignal();
  LOG(INFO) << "signal " << signal_number << ": shutting down";
  (*host)->Shutdown();
  return EXIT_SUCCESS;
}
