// database-service: provisions, monitors and allocates pool servers through
// instance-service's API (InstanceServiceClient) and serves database.v1 for
// operators. It has no setting for the instance database, by design: it talks
// SQL only to the pool servers, with admin credentials from a file or the
// environment. Flags fall back to DATABASE_SERVICE_* environment variables.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "client/instance_service_client.h"
#include "database/v1/database_service.grpc.pb.h"
#include "database_service/allocation/tenant_allocator.h"
#include "database_service/api/database_service_handler.h"
#include "database_service/instance_client_metrics.h"
#include "database_service/monitoring/monitoring_loop.h"
#include "database_service/monitoring/pool_monitor.h"
#include "database_service/pool_admin/postgres_pool_admin.h"
#include "database_service/provisioning/pool_provisioner.h"
#include "database_service/reconcile/pool_reconciler.h"
#include "glog/logging.h"
#include "google/rpc/error_details.pb.h"
#include "metrics/allocation_metrics.h"
#include "metrics/grpc_client_metrics.h"
#include "metrics/pool_probe_metrics.h"
#include "metrics/reconciler_metrics.h"
#include "serving/bounded_executor.h"
#include "serving/env_flag.h"
#include "serving/pem_file.h"
#include "serving/periodic_task.h"
#include "serving/readiness_loop.h"
#include "serving/request_id.h"
#include "serving/server_flags.h"
#include "serving/server_startup.h"

// --listen, --metrics_listen, --call_log, --max_queued_calls, --drain_seconds, and its own
// API's transport security and authorization: --tls_cert_file, --tls_key_file,
// --tls_client_ca_file, --tls_require_client_cert, --authz_policy_file,
// --authz_refresh_seconds, --health_listen.
DBS_DEFINE_SERVER_FLAGS("DATABASE_SERVICE_", "127.0.0.1:50052", "127.0.0.1:9465", int64_t{64})

DBS_ENV_FLAG(std::string, instance_service_target, "DATABASE_SERVICE_INSTANCE_SERVICE_TARGET",
             "127.0.0.1:50051",
             "gRPC target of instance-service, e.g. dns:///instance-service:50051");
DBS_ENV_FLAG(int64_t, instance_service_timeout_ms, "DATABASE_SERVICE_INSTANCE_SERVICE_TIMEOUT_MS",
             int64_t{10'000}, "Deadline of each instance-service call, retries included");
DBS_ENV_FLAG(std::string, instance_service_tls_ca_file,
             "DATABASE_SERVICE_INSTANCE_SERVICE_TLS_CA_FILE", "",
             "CA (PEM) that signs instance-service's certificate; any of the three TLS files turns "
             "TLS on toward instance-service");
DBS_ENV_FLAG(std::string, instance_service_tls_cert_file,
             "DATABASE_SERVICE_INSTANCE_SERVICE_TLS_CERT_FILE", "",
             "This service's client certificate (PEM) toward instance-service: its identity in "
             "instance-service's authorization policy");
DBS_ENV_FLAG(std::string, instance_service_tls_key_file,
             "DATABASE_SERVICE_INSTANCE_SERVICE_TLS_KEY_FILE", "",
             "Private key (PEM) of that certificate; never logged");
DBS_ENV_FLAG(std::string, instance_service_tls_server_name,
             "DATABASE_SERVICE_INSTANCE_SERVICE_TLS_SERVER_NAME", "",
             "Name to check instance-service's certificate against; empty: the target's host");
DBS_ENV_FLAG(std::string, pool_admin_user, "DATABASE_SERVICE_POOL_ADMIN_USER", "postgres",
             "Admin role on the pool servers");
DBS_ENV_FLAG(std::string, pool_admin_password_file, "DATABASE_SERVICE_POOL_ADMIN_PASSWORD_FILE", "",
             "File holding the pool admin password (one line); else the environment variable "
             "DATABASE_SERVICE_POOL_ADMIN_PASSWORD; else none. Never logged");
DBS_ENV_FLAG(std::string, pool_sslmode, "DATABASE_SERVICE_POOL_SSLMODE", "prefer",
             "libpq sslmode towards pool servers");
DBS_ENV_FLAG(int64_t, pool_connect_timeout_ms, "DATABASE_SERVICE_POOL_CONNECT_TIMEOUT_MS",
             int64_t{3'000}, "Connect timeout towards pool servers");
DBS_ENV_FLAG(int64_t, min_pool_server_version_num, "DATABASE_SERVICE_MIN_POOL_SERVER_VERSION_NUM",
             int64_t{130'000}, "Lowest PostgreSQL server_version_num provisioning accepts");
DBS_ENV_FLAG(int64_t, monitoring_interval_ms, "DATABASE_SERVICE_MONITORING_INTERVAL_MS",
             int64_t{30'000},
             "Time between monitoring passes; 0 disables the loop (RunMonitoringPass still works)");
DBS_ENV_FLAG(int64_t, monitoring_jitter_percent, "DATABASE_SERVICE_MONITORING_JITTER_PERCENT",
             int64_t{10}, "Each interval varies by up to this many percent either way");
DBS_ENV_FLAG(int64_t, monitoring_parallelism, "DATABASE_SERVICE_MONITORING_PARALLELISM", int64_t{8},
             "Pools probed at once");
DBS_ENV_FLAG(int64_t, probe_timeout_ms, "DATABASE_SERVICE_PROBE_TIMEOUT_MS", int64_t{2'000},
             "Bound on one probe, connect plus SELECT 1");
DBS_ENV_FLAG(int64_t, degraded_latency_ms, "DATABASE_SERVICE_DEGRADED_LATENCY_MS", int64_t{500},
             "A probe slower than this marks the pool DEGRADED");
DBS_ENV_FLAG(int64_t, heartbeat_seconds, "DATABASE_SERVICE_HEARTBEAT_SECONDS", int64_t{60},
             "Rewrite an unchanged health verdict once it is this old");
DBS_ENV_FLAG(int64_t, pool_ddl_timeout_ms, "DATABASE_SERVICE_POOL_DDL_TIMEOUT_MS", int64_t{60'000},
             "Bound on a tenant CREATE/DROP DATABASE on a pool server");
DBS_ENV_FLAG(int64_t, reconcile_interval_ms, "DATABASE_SERVICE_RECONCILE_INTERVAL_MS",
             int64_t{60'000},
             "Time between reconciliation passes (instance_count against the tenant databases); 0 "
             "disables the loop (RunReconcilePass still works)");
DBS_ENV_FLAG(int64_t, reconcile_settle_ms, "DATABASE_SERVICE_RECONCILE_SETTLE_MS", int64_t{600'000},
             "A drift is repaired once unchanged this long; at least twice the longest a create "
             "can run (2 x (2 x instance_service_timeout + pool_connect_timeout + "
             "pool_ddl_timeout)), or the service refuses to start");
DBS_ENV_FLAG(int64_t, readiness_interval_ms, "DATABASE_SERVICE_READINESS_INTERVAL_MS",
             int64_t{2'000}, "How often readiness checks that instance-service answers");
DBS_ENV_FLAG(int64_t, handler_threads, "DATABASE_SERVICE_HANDLER_THREADS", int64_t{32},
             "Calls running at once; each may wait hundreds of milliseconds on CREATE DATABASE");

namespace {

// TLS toward instance-service from the --instance_service_tls_* flags; each file is
// checked at start-up so a wrong path fails here, naming the flag.
bool LoadInstanceServiceTls(dbs::client::TlsOptions* tls) {
  tls->root_certificates_file = absl::GetFlag(FLAGS_instance_service_tls_ca_file);
  tls->client_certificate_chain_file = absl::GetFlag(FLAGS_instance_service_tls_cert_file);
  tls->client_private_key_file = absl::GetFlag(FLAGS_instance_service_tls_key_file);
  tls->server_name_override = absl::GetFlag(FLAGS_instance_service_tls_server_name);
  tls->enabled = !tls->root_certificates_file.empty() ||
                 !tls->client_certificate_chain_file.empty() ||
                 !tls->client_private_key_file.empty();
  if (tls->client_certificate_chain_file.empty() != tls->client_private_key_file.empty()) {
    LOG(ERROR) << "--instance_service_tls_cert_file and --instance_service_tls_key_file go "
                  "together";
    return false;
  }
  using dbs::serving::PemContent;
  absl::Status files = dbs::serving::CheckPemFiles(
      {{"--instance_service_tls_ca_file", tls->root_certificates_file, PemContent::kCertificate},
       {"--instance_service_tls_cert_file", tls->client_certificate_chain_file,
        PemContent::kCertificate},
       {"--instance_service_tls_key_file", tls->client_private_key_file, PemContent::kPrivateKey}});
  if (!files.ok()) {
    LOG(ERROR) << files;
    return false;
  }
  return true;
}

// The pool admin password: the file named by --pool_admin_password_file (first
// line), else $DATABASE_SERVICE_POOL_ADMIN_PASSWORD, else none. Only where it came
// from is logged.
bool LoadPoolAdminPassword(std::string* password) {
  const std::string file = absl::GetFlag(FLAGS_pool_admin_password_file);
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      LOG(ERROR) << "cannot read --pool_admin_password_file " << file;
      return false;
    }
    std::getline(in, *password);
    *password = std::string(absl::StripTrailingAsciiWhitespace(*password));
    LOG(INFO) << "pool admin password: from file " << file;
    return true;
  }
  if (const char* env = std::getenv("DATABASE_SERVICE_POOL_ADMIN_PASSWORD"); env && *env) {
    *password = env;
    LOG(INFO) << "pool admin password: from DATABASE_SERVICE_POOL_ADMIN_PASSWORD";
    return true;
  }
  LOG(INFO) << "pool admin password: none (trust, .pgpass or PGPASSWORD)";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  dbs::serving::InitServerProcess(argc, argv,
                                  "database-service: provisions, monitors and allocates pool "
                                  "servers through instance-service (database.v1)");
  const dbs::serving::ServerFlags server_flags = ServerFlagsFromFlags();
  auto settings = dbs::serving::CheckServerFlags(server_flags);
  if (!settings.ok()) return dbs::serving::StartupFailed(settings.status());

  auto metrics = dbs::serving::StartServerMetrics(server_flags);
  if (!metrics.ok()) return dbs::serving::StartupFailed(metrics.status());
  prometheus::Registry& registry = (*metrics)->registry();
  dbs::metrics::GrpcClientMetrics client_metrics(registry);

  dbs::database_service::PostgresPoolAdminOptions admin_options;
  admin_options.credentials.user = absl::GetFlag(FLAGS_pool_admin_user);
  admin_options.credentials.sslmode = absl::GetFlag(FLAGS_pool_sslmode);
  if (!LoadPoolAdminPassword(&admin_options.credentials.password)) return EXIT_FAILURE;
  admin_options.connect_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_pool_connect_timeout_ms));
  admin_options.probe_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_probe_timeout_ms));
  admin_options.ddl_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_pool_ddl_timeout_ms));
  admin_options.min_server_version_num =
      static_cast<int>(absl::GetFlag(FLAGS_min_pool_server_version_num));
  auto pool_admin = std::make_shared<dbs::database_service::PostgresPoolAdmin>(admin_options);

  dbs::client::ClientOptions client_options;
  client_options.target = absl::GetFlag(FLAGS_instance_service_target);
  client_options.default_timeout =
      absl::Milliseconds(absl::GetFlag(FLAGS_instance_service_timeout_ms));
  client_options.user_agent = "database-service";
  client_options.observer =
      std::make_shared<dbs::database_service::InstanceClientMetrics>(client_metrics);
  // The flows run on the handler's thread, so each instance-service call carries
  // the x-request-id of the database-service call it serves.
  client_options.request_id_source = [] { return std::string(dbs::serving::CurrentRequestId()); };
  if (!LoadInstanceServiceTls(&client_options.tls)) return EXIT_FAILURE;
  const dbs::client::InstanceServiceClient client =
      dbs::client::MakeInstanceServiceClient(client_options);
  LOG(INFO) << "instance-service at " << client_options.target
            << (client_options.tls.enabled
                    ? (client_options.tls.client_certificate_chain_file.empty() ? " over TLS"
                                                                                : " over mTLS")
                    : " over plaintext");

  dbs::database_service::PoolProvisioner provisioner(client, pool_admin);
  dbs::database_service::TenantAllocator allocator(
      client, pool_admin, std::make_shared<dbs::metrics::AllocationMetrics>(registry));
  dbs::database_service::PoolMonitorOptions monitor_options;
  monitor_options.parallelism = static_cast<int>(absl::GetFlag(FLAGS_monitoring_parallelism));
  monitor_options.heartbeat = absl::Seconds(absl::GetFlag(FLAGS_heartbeat_seconds));
  monitor_options.degraded_latency = absl::Milliseconds(absl::GetFlag(FLAGS_degraded_latency_ms));
  dbs::database_service::PoolMonitor monitor(
      client, pool_admin, monitor_options,
      std::make_shared<dbs::metrics::PoolProbeMetrics>(registry));
  dbs::database_service::PoolReconcilerOptions reconcile_options;
  reconcile_options.settle = absl::Milliseconds(absl::GetFlag(FLAGS_reconcile_settle_ms));
  reconcile_options.call_timeout = client_options.default_timeout;
  // Both kinds are declared up front, so their series start at 0 and the alert's
  // increase() sees the very first repair.
  dbs::metrics::ReconcilerMetrics reconciler_metrics(registry, {"release_slot", "count_tenant"});
  reconcile_options.on_repair = [&reconciler_metrics](
                                    const dbs::database_service::ReconcileRepair& repair) {
    reconciler_metrics.Repaired(
        repair.kind == dbs::database_service::ReconcileRepair::Kind::kReleaseSlot ? "release_slot"
                                                                                  : "count_tenant");
  };
  if (const absl::Duration minimum = dbs::database_service::MinimumReconcileSettle(
          client_options.default_timeout, admin_options.connect_timeout, admin_options.ddl_timeout);
      reconcile_options.settle < minimum) {
    LOG(ERROR) << "--reconcile_settle_ms must be at least " << absl::ToInt64Milliseconds(minimum)
               << " with these timeouts, or a repair could undo a create still running";
    return EXIT_FAILURE;
  }
  dbs::database_service::PoolReconciler reconciler(client, pool_admin, reconcile_options);
  dbs::serving::BoundedExecutorOptions executor_options;
  executor_options.threads = static_cast<int>(absl::GetFlag(FLAGS_handler_threads));
  executor_options.max_queue = static_cast<int>(server_flags.max_queued_calls);
  executor_options.metrics = &(*metrics)->serving;
  dbs::serving::BoundedExecutor executor(executor_options);
  dbs::database_service::DatabaseServiceHandler handler(provisioner, allocator, monitor, reconciler,
                                                        &executor,
                                                        {&(*metrics)->server, settings->call_log});

  auto host = dbs::serving::StartServerHost(
      server_flags, *settings, dbs::database_service::MalformedRequestStatus,
      {{&handler, database::v1::DatabaseService::service_full_name()}});
  if (!host.ok()) return dbs::serving::StartupFailed(host.status());
  LOG(INFO) << "serving database.v1.DatabaseService on port " << (*host)->port();
  // Error details are forwarded from instance-service; touching their descriptors
  // keeps them linked so reflection (grpcurl, buf curl) can decode them.
  (void)google::rpc::ErrorInfo::descriptor();
  (void)google::rpc::BadRequest::descriptor();

  // Readiness: every call needs instance-service, so the API is ready only while
  // it answers. Liveness ("") stays SERVING.
  dbs::serving::ReadinessLoop readiness(
      host->get(), database::v1::DatabaseService::service_full_name(),
      [&client] {
        instance::v1::ListDbServersRequest request;
        request.set_page_size(1);
        dbs::client::CallOptions call;
        call.timeout = absl::Seconds(1);
        return client.ListDbServers(request, call).ok();
      },
      absl::Milliseconds(absl::GetFlag(FLAGS_readiness_interval_ms)));

  std::unique_ptr<dbs::database_service::MonitoringLoop> loop;
  if (const int64_t interval_ms = absl::GetFlag(FLAGS_monitoring_interval_ms); interval_ms > 0) {
    dbs::database_service::MonitoringLoopOptions loop_options;
    loop_options.interval = absl::Milliseconds(interval_ms);
    loop_options.jitter = static_cast<double>(absl::GetFlag(FLAGS_monitoring_jitter_percent)) / 100;
    loop = std::make_unique<dbs::database_service::MonitoringLoop>(monitor, loop_options);
    loop->Start();
  }

  std::unique_ptr<dbs::serving::PeriodicTask> reconcile_loop;
  if (const int64_t interval_ms = absl::GetFlag(FLAGS_reconcile_interval_ms); interval_ms > 0) {
    reconcile_loop = std::make_unique<dbs::serving::PeriodicTask>(
        [&reconciler] {
          if (auto pass = reconciler.RunPass(); !pass.ok()) {
            LOG(WARNING) << "reconcile pass failed: " << pass.status();
          }
        },
        absl::Milliseconds(interval_ms));
  }

  dbs::serving::WaitForShutdown();
  if (loop) loop->Stop();
  reconcile_loop.reset();
  (*host)->Shutdown();
  executor.Shutdown();
  return EXIT_SUCCESS;
}
