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
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "instance/v1/error_reason.pb.h"
#include "instance_service/fleet/fleet_view.h"
#include "instance_service/migrations/migrator.h"
#include "instance_service/pq_metrics_observer.h"
#include "instance_service/repository/postgres_db_server_repository.h"
#include "instance_service/service/db_server_service.h"
#include "instance_service/service/grpc_status.h"
#include "metrics/fleet_metrics.h"
#include "metrics/grpc_server_metrics.h"
#include "metrics/metrics_exporter.h"
#include "metrics/pq_pool_metrics.h"
#include "metrics/serving_metrics.h"
#include "pq/pg_pool.h"
#include "serving/bounded_executor.h"
#include "serving/call_log.h"
#include "serving/env_default.h"
#include "serving/grpc_host.h"
#include "serving/log_prefix.h"
#include "serving/malformed_request.h"
#include "serving/periodic_task.h"
#include "serving/readiness_loop.h"
#include "serving/server_security_flags.h"
#include "serving/shutdown_signal.h"

using dbs::serving::EnvOr;

ABSL_FLAG(std::string, listen, EnvOr("INSTANCE_SERVICE_LISTEN", "127.0.0.1:50051"),
          "gRPC listen address host:port [env INSTANCE_SERVICE_LISTEN]");
ABSL_FLAG(std::string, database_url, EnvOr("INSTANCE_SERVICE_DATABASE_URL", ""),
          "libpq connection string or URI of the instance database; never logged "
          "[env INSTANCE_SERVICE_DATABASE_URL]");
ABSL_FLAG(int64_t, db_pool_size, EnvOr("INSTANCE_SERVICE_DB_POOL_SIZE", int64_t{16}),
          "Maximum open connections to the instance database [env INSTANCE_SERVICE_DB_POOL_SIZE]");
ABSL_FLAG(int64_t, handler_threads, EnvOr("INSTANCE_SERVICE_HANDLER_THREADS", int64_t{0}),
          "Threads running calls' database work; 0 means --db_pool_size, one connection "
          "each [env INSTANCE_SERVICE_HANDLER_THREADS]");
ABSL_FLAG(int64_t, max_queued_calls, EnvOr("INSTANCE_SERVICE_MAX_QUEUED_CALLS", int64_t{1024}),
          "Calls waiting for a handler thread; more (or calls whose deadline cannot be met) "
          "are refused with UNAVAILABLE SERVER_OVERLOADED [env INSTANCE_SERVICE_MAX_QUEUED_CALLS]");
ABSL_FLAG(bool, db_combine, EnvOr("INSTANCE_SERVICE_DB_COMBINE", int64_t{1}) != 0,
          "Let concurrent calls' hot statements share database round trips and "
          "transactions (pq::PgCombiner) [env INSTANCE_SERVICE_DB_COMBINE=0|1]");
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
ABSL_FLAG(std::string, metrics_listen, EnvOr("INSTANCE_SERVICE_METRICS_LISTEN", "127.0.0.1:9464"),
          "Prometheus metrics endpoint host:port (GET /metrics); port 0 picks a free one, "
          "empty disables it [env INSTANCE_SERVICE_METRICS_LISTEN]");
ABSL_FLAG(int64_t, fleet_metrics_interval_ms,
          EnvOr("INSTANCE_SERVICE_FLEET_METRICS_INTERVAL_MS", int64_t{15'000}),
          "How often the fleet metrics (dbs_fleet_*) are recomputed from db_servers "
          "[env INSTANCE_SERVICE_FLEET_METRICS_INTERVAL_MS]");
ABSL_FLAG(std::string, call_log, EnvOr("INSTANCE_SERVICE_CALL_LOG", "errors"),
          "One log line per answered call (method, caller, code, reason, latency, "
          "x-request-id): none, errors (calls answered with an error) or all "
          "[env INSTANCE_SERVICE_CALL_LOG]");
// Deliberately no environment fallback: a Deployment's env must never turn it on.
ABSL_FLAG(bool, contract, false,
          "With `migrate` only: also apply the contract migrations, which drop the legacy "
          "db_servers columns the old database-service uses (deploy/MIGRATION.md, step 6)");

// --tls_cert_file, --tls_key_file, --tls_client_ca_file, --tls_require_client_cert,
// --authz_policy_file, --authz_refresh_seconds, --health_listen.
DBS_DEFINE_SERVER_SECURITY_FLAGS("INSTANCE_SERVICE_")

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
  auto call_log = dbs::serving::ParseCallLogMode(absl::GetFlag(FLAGS_call_log), "--call_log");
  if (!call_log.ok()) {
    LOG(ERROR) << call_log.status();
    return EXIT_FAILURE;
  }
  auto security = dbs::serving::MakeServerSecurity(ServerSecurityOptionsFromFlags());
  if (!security.ok()) {
    LOG(ERROR) << security.status();
    return EXIT_FAILURE;
  }
  if (absl::GetFlag(FLAGS_migrate_on_start) && Migrate(database_url) != EXIT_SUCCESS) {
    return EXIT_FAILURE;
  }

  auto metrics = dbs::metrics::MetricsExporter::Start(absl::GetFlag(FLAGS_metrics_listen));
  if (!metrics.ok()) {
    LOG(ERROR) << metrics.status();
    return EXIT_FAILURE;
  }
  LOG(INFO) << (*metrics)->Describe();
  prometheus::Registry& registry = (*metrics)->registry();
  dbs::metrics::GrpcServerMetrics server_metrics(registry);
  dbs::metrics::ServingMetrics serving_metrics(registry);
  dbs::metrics::PqPoolMetrics pq_metrics(registry);
  dbs::instance::PqMetricsObserver pq_observer(pq_metrics);

  dbs::pq::PgPoolOptions pool_options;
  pool_options.conninfo = database_url;
  pool_options.application_name = "instance-service";
  pool_options.max_connections = static_cast<int>(absl::GetFlag(FLAGS_db_pool_size));
  pool_options.observer = &pq_observer;
  dbs::pq::PgPool pool(pool_options);
  std::optional<dbs::pq::PgCombiner> combiner;
  if (absl::GetFlag(FLAGS_db_combine)) {
    dbs::pq::PgCombinerOptions combiner_options;
    // Half the pool: the other half serves what is not combined (diagnoses,
    // updates, readiness) without waiting behind batches.
    combiner_options.max_batches = std::max(1, pool_options.max_connections / 2);
    combiner.emplace(&pool, combiner_options);
  }
  auto repository = std::make_shared<dbs::instance::PostgresDbServerRepository>(
      &pool, combiner ? &*combiner : nullptr);

  dbs::instance::DbServerServiceImpl::Options service_options;
  service_options.default_deadline = absl::Milliseconds(absl::GetFlag(FLAGS_default_deadline_ms));
  service_options.telemetry = {&server_metrics, *call_log};
  dbs::serving::BoundedExecutorOptions executor_options;
  executor_options.threads = static_cast<int>(absl::GetFlag(FLAGS_handler_threads) > 0
                                                  ? absl::GetFlag(FLAGS_handler_threads)
                                                  : absl::GetFlag(FLAGS_db_pool_size));
  executor_options.max_queue = static_cast<int>(absl::GetFlag(FLAGS_max_queued_calls));
  executor_options.metrics = &serving_metrics;
  dbs::serving::BoundedExecutor executor(executor_options);
  dbs::instance::DbServerServiceImpl db_server_service(repository, &executor, service_options);
  // Touching the enum keeps its descriptor linked, so grpcurl users can
  // `describe instance.v1.ErrorReason` through reflection.
  (void)instance::v1::ErrorReason_descriptor();

  dbs::serving::GrpcHostOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.drain_grace = absl::Seconds(absl::GetFlag(FLAGS_drain_seconds));
  options.credentials = security->credentials;
  options.authorization = security->authorization;
  options.plaintext_health_listen_address = security->health_listen_address;
  LOG(INFO) << "transport: " << security->summary;
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
    dbs::instance::FleetStatsRepository fleet_stats(&pool);
    dbs::metrics::FleetMetrics fleet_metrics((*metrics)->registry());
    dbs::instance::FleetView fleet_view(
        fleet_stats, fleet_metrics,
        {absl::Milliseconds(absl::GetFlag(FLAGS_fleet_metrics_interval_ms))});
    const int signal_number = dbs::serving::WaitForShutdownSignal();
    LOG(INFO) << "signal " << signal_number << ": shutting down";
    (*host)->Shutdown();
  }
  executor.Shutdown();
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  dbs::serving::BlockShutdownSignals();
  // Debian builds abseil with its debug-only deadlock detection on: a lock-order graph
  // updated on every Mutex::Lock, a measurable cost on the hot path.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "instance-service [migrate] [flags]: the db_servers API (instance.v1.DbServerService)");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  // glog 0.6 takes its options from GLOG_* environment variables, not absl flags.
  if (std::getenv("GLOG_logtostderr") == nullptr) FLAGS_logtostderr = true;
  // Lines written while a call is worked on carry its x-request-id.
  dbs::serving::InitLoggingWithRequestIds(argv[0]);

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
