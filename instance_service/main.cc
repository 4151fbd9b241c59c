// instance-service: serves instance.v1.DbServerService, the only writer of the
// db_servers table.
//
//   instance-service [flags]           migrate (unless --migrate_on_start=false), then serve
//   instance-service migrate [flags]   apply pending migrations and exit (Kubernetes job)
//   instance-service migrate --contract  also apply the contract migrations (drop the
//                                        legacy columns): only after the old service is gone
//
// Flags fall back to INSTANCE_SERVICE_* environment variables; the database URL
// is never logged, since it may hold a password.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "instance/v1/error_reason.pb.h"
#include "instance_service/migrations/migrator.h"
#include "instance_service/repository/postgres_db_server_repository.h"
#include "instance_service/service/db_server_service.h"
#include "instance_service/service/grpc_status.h"
#include "pq/pg_pool.h"
#include "serving/env_default.h"
#include "serving/grpc_host.h"
#include "serving/malformed_request.h"
#include "serving/periodic_task.h"
#include "serving/readiness_loop.h"
#include "serving/shutdown_signal.h"

using dbs::serving::EnvOr;

ABSL_FLAG(std::string, listen, EnvOr("INSTANCE_SERVICE_LISTEN", "127.0.0.1:50051"),
          "gRPC listen address host:port [env INSTANCE_SERVICE_LISTEN]");
ABSL_FLAG(std::string, database_url, EnvOr("INSTANCE_SERVICE_DATABASE_URL", ""),
          "libpq connection string or URI of the instance database; never logged "
          "[env INSTANCE_SERVICE_DATABASE_URL]");
ABSL_FLAG(int64_t, db_pool_size, EnvOr("INSTANCE_SERVICE_DB_POOL_SIZE", int64_t{16}),
          "Maximum open connections to the instance database [env INSTANCE_SERVICE_DB_POOL_SIZE]");
ABSL_FLAG(int64_t, max_threads, EnvOr("INSTANCE_SERVICE_MAX_THREADS", int64_t{64}),
          "Maximum concurrent calls; more are refused with RESOURCE_EXHAUSTED "
          "[env INSTANCE_SERVICE_MAX_THREADS]");
ABSL_FLAG(int64_t, drain_seconds, EnvOr("INSTANCE_SERVICE_DRAIN_SECONDS", int64_t{20}),
          "Grace period for in-flight calls on SIGTERM [env INSTANCE_SERVICE_DRAIN_SECONDS]");
ABSL_FLAG(int64_t, default_deadline_ms,
          EnvOr("INSTANCE_SERVICE_DEFAULT_DEADLINE_MS", int64_t{30'000}),
          "Deadline for calls that arrive without one [env INSTANCE_SERVICE_DEFAULT_DEADLINE_MS]");
ABSL_FLAG(int64_t, readiness_interval_ms,
          EnvOr("INSTANCE_SERVICE_READINESS_INTERVAL_MS", int64_t{2'000}),
          "How often readiness pings the database [env INSTANCE_SERVICE_READINESS_INTERVAL_MS]");
ABSL_FLAG(int64_t, purge_interval_minutes,
          EnvOr("INSTANCE_SERVICE_PURGE_INTERVAL_MINUTES", int64_t{60}),
          "How often request ids older than the 24 h replay window are deleted "
          "[env INSTANCE_SERVICE_PURGE_INTERVAL_MINUTES]");
ABSL_FLAG(bool, migrate_on_start, EnvOr("INSTANCE_SERVICE_MIGRATE_ON_START", int64_t{1}) != 0,
          "Apply pending migrations before serving (safe with several replicas: advisory "
          "lock) [env INSTANCE_SERVICE_MIGRATE_ON_START=0|1]");
// Deliberately no environment fallback: a Deployment's env must never turn it on.
ABSL_FLAG(bool, contract, false,
          "With `migrate` only: also apply the contract migrations, which drop the legacy "
          "db_servers columns the old database-service uses (deploy/MIGRATION.md, step 6)");

namespace {

constexpr char kReadinessService[] = "instance.v1.DbServerService";

int Migrate(const std::string& database_url, bool contract = false) {
  dbs::instance::Migrator migrator(database_url, contract
                                                     ? dbs::instance::Migrator::Scope::kContract
                                                     : dbs::instance::Migrator::Scope::kExpand);
  auto applied = migrator.Run(absl::Now() + absl::Minutes(5));
  if (!applied.ok()) {
    LOG(ERROR) << "migrations failed: " << applied.status();
    return EXIT_FAILURE;
  }
  LOG(INFO) << (applied->empty() ? "schema up to date"
                                 : "applied migrations " + absl::StrJoin(*applied, ", "));
  return EXIT_SUCCESS;
}

int Serve(const std::string& database_url) {
  if (absl::GetFlag(FLAGS_migrate_on_start) && Migrate(database_url) != EXIT_SUCCESS) {
    return EXIT_FAILURE;
  }

  dbs::pq::PgPoolOptions pool_options;
  pool_options.conninfo = database_url;
  pool_options.max_connections = static_cast<int>(absl::GetFlag(FLAGS_db_pool_size));
  dbs::pq::PgPool pool(pool_options);
  auto repository = std::make_shared<dbs::instance::PostgresDbServerRepository>(&pool);

  dbs::instance::DbServerServiceImpl::Options service_options;
  service_options.default_deadline = absl::Milliseconds(absl::GetFlag(FLAGS_default_deadline_ms));
  dbs::instance::DbServerServiceImpl db_server_service(repository, service_options);
  // Error reasons travel as strings; touching the enum keeps its descriptor linked
  // so grpcurl users can `describe instance.v1.ErrorReason` through reflection.
  (void)instance::v1::ErrorReason_descriptor();

  dbs::serving::GrpcHostOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.max_threads = static_cast<int>(absl::GetFlag(FLAGS_max_threads));
  options.drain_grace = absl::Seconds(absl::GetFlag(FLAGS_drain_seconds));
  options.interceptors.push_back(
      dbs::serving::MakeMalformedRequestInterceptorFactory(dbs::instance::MalformedRequestStatus));
  auto host =
      dbs::serving::GrpcHost::Start(std::move(options), {{&db_server_service, kReadinessService}});
  if (!host.ok()) {
    LOG(ERROR) << host.status();
    return EXIT_FAILURE;
  }
  {
    // Ready only while the instance database answers.
    dbs::serving::ReadinessLoop readiness(
        host->get(), kReadinessService,
        [&pool] { return pool.Ping(absl::Now() + absl::Seconds(1)).ok(); },
        absl::Milliseconds(absl::GetFlag(FLAGS_readiness_interval_ms)));
    // Request ids are replayed for 24 h; older rows only take space. Replay stays
    // correct without this (expired rows are taken over), so a failure just logs.
    dbs::serving::PeriodicTask purge_request_ids(
        [&repository] {
          auto purged = repository->PurgeExpiredRequestIds({absl::Now() + absl::Minutes(1)});
          if (!purged.ok()) LOG(WARNING) << "purging expired request ids: " << purged.status();
          if (purged.ok() && *purged > 0)
            LOG(INFO) << "purged " << *purged << " expired request ids";
        },
        absl::Minutes(absl::GetFlag(FLAGS_purge_interval_minutes)));
    const int signal_number = dbs::serving::WaitForShutdownSignal();
    LOG(INFO) << "signal " << signal_number << ": shutting down";
    (*host)->Shutdown();
  }
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  dbs::serving::BlockShutdownSignals();
  absl::SetProgramUsageMessage(
      "instance-service [migrate] [flags]: the db_servers API (instance.v1.DbServerService)");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  // glog 0.6 takes its options from GLOG_* environment variables, not absl flags.
  if (std::getenv("GLOG_logtostderr") == nullptr) FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);

  const std::string database_url = absl::GetFlag(FLAGS_database_url);
  if (database_url.empty()) {
    LOG(ERROR) << "--database_url (or INSTANCE_SERVICE_DATABASE_URL) is required";
    return EXIT_FAILURE;
  }
  if (positional.size() > 2 ||
      (positional.size() == 2 && std::string(positional[1]) != "migrate")) {
    LOG(ERROR) << "unknown command; usage: instance-service [migrate [--contract]] [flags]";
    return EXIT_FAILURE;
  }
  if (absl::GetFlag(FLAGS_contract) && positional.size() != 2) {
    LOG(ERROR) << "--contract is only valid with `instance-service migrate`";
    return EXIT_FAILURE;
  }
  return positional.size() == 2 ? Migrate(database_url, absl::GetFlag(FLAGS_contract))
                                : Serve(database_url);
}
