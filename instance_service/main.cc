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
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "instance/v1/error_reason.pb.h"
#include "instance_service/fleet/fleet_view.h"
#include "instance_service/migrations/migrator.h"
#include "instance_service/pq_metrics_observer.h"
#include "instance_service/repository/postgres_db_server_repository.h"
#include "instance_service/service/db_server_service.h"
#include "instance_service/service/grpc_status.h"
#include "metrics/fleet_metrics.h"
#include "metrics/pq_pool_metrics.h"
#include "pq/pg_pool.h"
#include "serving/bounded_executor.h"
#include "serving/env_flag.h"
#include "serving/periodic_task.h"
#include "serving/readiness_loop.h"
#include "serving/server_flags.h"
#include "serving/server_startup.h"

// --listen, --metrics_listen, --call_log, --max_queued_calls, --drain_seconds, --tls_cert_file,
// --tls_key_file, --tls_client_ca_file, --tls_require_client_cert, --authz_policy_file,
// --authz_refresh_seconds, --health_listen.
DBS_DEFINE_SERVER_FLAGS("INSTANCE_SERVICE_", "127.0.0.1:50051", "127.0.0.1:9464", int64_t{1024})

DBS_ENV_FLAG(std::string, database_url, "INSTANCE_SERVICE_DATABASE_URL", "",
             "libpq connection string or URI of the instance database; never logged");
DBS_ENV_FLAG(int64_t, db_pool_size, "INSTANCE_SERVICE_DB_POOL_SIZE", int64_t{16},
             "Maximum open connections to the instance database");
DBS_ENV_FLAG(int64_t, handler_threads, "INSTANCE_SERVICE_HANDLER_THREADS", int64_t{0},
             "Threads running calls' database work; 0 means --db_pool_size, one connection each");
DBS_ENV_BOOL_FLAG(db_combine, "INSTANCE_SERVICE_DB_COMBINE", true,
                  "Let concurrent calls' hot statements share database round trips and "
                  "transactions (pq::PgCombiner)");
DBS_ENV_FLAG(int64_t, default_deadline_ms, "INSTANCE_SERVICE_DEFAULT_DEADLINE_MS", int64_t{30'000},
             "Deadline for calls that arrive without one");
DBS_ENV_FLAG(int64_t, readiness_interval_ms, "INSTANCE_SERVICE_READINESS_INTERVAL_MS",
             int64_t{2'000}, "How often readiness pings the database");
DBS_ENV_FLAG(int64_t, purge_interval_minutes, "INSTANCE_SERVICE_PURGE_INTERVAL_MINUTES",
             int64_t{60}, "How often request ids older than the 24 h replay window are deleted");
DBS_ENV_BOOL_FLAG(migrate_on_start, "INSTANCE_SERVICE_MIGRATE_ON_START", true,
                  "Apply pending migrations before serving (safe with several replicas: advisory "
                  "lock)");
DBS_ENV_FLAG(int64_t, fleet_metrics_interval_ms, "INSTANCE_SERVICE_FLEET_METRICS_INTERVAL_MS",
             int64_t{15'000},
             "How often the fleet metrics (dbs_fleet_*) are recomputed from db_servers");
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
  const dbs::serving::ServerFlags server_flags = ServerFlagsFromFlags();
  auto settings = dbs::serving::CheckServerFlags(server_flags);
  if (!settings.ok()) return dbs::serving::StartupFailed(settings.status());
  if (absl::GetFlag(FLAGS_migrate_on_start) && Migrate(database_url) != EXIT_SUCCESS) {
    return EXIT_FAILURE;
  }

  auto metrics = dbs::serving::StartServerMetrics(server_flags);
  if (!metrics.ok()) return dbs::serving::StartupFailed(metrics.status());
  prometheus::Registry& registry = (*metrics)->registry();
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
  service_options.telemetry = {&(*metrics)->server, settings->call_log};
  dbs::serving::BoundedExecutorOptions executor_options;
  executor_options.threads = static_cast<int>(absl::GetFlag(FLAGS_handler_threads) > 0
                                                  ? absl::GetFlag(FLAGS_handler_threads)
                                                  : absl::GetFlag(FLAGS_db_pool_size));
  executor_options.max_queue = static_cast<int>(server_flags.max_queued_calls);
  executor_options.metrics = &(*metrics)->serving;
  dbs::serving::BoundedExecutor executor(executor_options);
  dbs::instance::DbServerServiceImpl db_server_service(repository, &executor, service_options);
  // Touching the enum keeps its descriptor linked, so grpcurl users can
  // `describe instance.v1.ErrorReason` through reflection.
  (void)instance::v1::ErrorReason_descriptor();

  auto host =
      dbs::serving::StartServerHost(server_flags, *settings, dbs::instance::MalformedRequestStatus,
                                    {{&db_server_service, kReadinessService}});
  if (!host.ok()) return dbs::serving::StartupFailed(host.status());
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
    dbs::metrics::FleetMetrics fleet_metrics(registry);
    dbs::instance::FleetView fleet_view(
        fleet_stats, fleet_metrics,
        {absl::Milliseconds(absl::GetFlag(FLAGS_fleet_metrics_interval_ms))});
    dbs::serving::WaitForShutdown();
    (*host)->Shutdown();
  }
  executor.Shutdown();
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<char*> positional = dbs::serving::InitServerProcess(
      argc, argv,
      "instance-service [migrate] [flags]: the db_servers API (instance.v1.DbServerService)");

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
