#include "serving/server_startup.h"

#include <cstdlib>
#include <utility>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "serving/log_prefix.h"
#include "serving/malformed_request.h"
#include "serving/shutdown_signal.h"

namespace dbs::serving {

std::vector<char*> InitServerProcess(int argc, char** argv, const char* usage) {
  BlockShutdownSignals();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(usage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  // glog 0.6 takes its options from GLOG_* environment variables, not absl flags.
  if (std::getenv("GLOG_logtostderr") == nullptr) FLAGS_logtostderr = true;
  InitLoggingWithRequestIds(argv[0]);
  return positional;
}

absl::StatusOr<ServerSettings> CheckServerFlags(const ServerFlags& flags) {
  ServerSettings settings;
  auto call_log = ParseCallLogMode(flags.call_log, "--call_log");
  if (!call_log.ok()) return call_log.status();
  settings.call_log = *call_log;
  auto security = MakeServerSecurity(flags.security);
  if (!security.ok()) return security.status();
  settings.security = *std::move(security);
  LOG(INFO) << "transport: " << settings.security.summary;
  return settings;
}

ServerMetrics::ServerMetrics(std::unique_ptr<metrics::MetricsExporter> exporter_in)
    : exporter(std::move(exporter_in)),
      server(exporter->registry()),
      serving(exporter->registry()) {}

absl::StatusOr<std::unique_ptr<ServerMetrics>> StartServerMetrics(const ServerFlags& flags) {
  auto exporter = metrics::MetricsExporter::Start(flags.metrics_listen_address);
  if (!exporter.ok()) return exporter.status();
  LOG(INFO) << (*exporter)->Describe();
  return std::make_unique<ServerMetrics>(*std::move(exporter));
}

absl::StatusOr<std::unique_ptr<GrpcHost>> StartServerHost(
    const ServerFlags& flags, const ServerSettings& settings,
    std::function<grpc::Status(const std::string& method)> malformed_request_status,
    const std::vector<HostedService>& services) {
  GrpcHostOptions options;
  options.listen_address = flags.listen_address;
  options.drain_grace = flags.drain_grace;
  options.credentials = settings.security.credentials;
  options.authorization = settings.security.authorization;
  options.plaintext_health_listen_address = settings.security.health_listen_address;
  options.interceptors.push_back(
      MakeMalformedRequestInterceptorFactory(std::move(malformed_request_status)));
  return GrpcHost::Start(std::move(options), services);
}

int StartupFailed(const absl::Status& status) {
  LOG(ERROR) << status;
  return EXIT_FAILURE;
}

void WaitForShutdown() {
  const int signal_number = WaitForShutdownSignal();
  LOG(INFO) << "signal " << signal_number << ": shutting down";
}

}  // namespace dbs::serving
