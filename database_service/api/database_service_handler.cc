#include "database_service/api/database_service_handler.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "database_service/api/reconcile_pass_response.h"
#include "errors/grpc_status.h"

namespace dbs::database_service {
namespace {

// The ErrorInfo domain of the errors database-service makes itself (today only the
// serving core's SERVER_OVERLOADED); errors from instance-service keep theirs
// (proto/database/v1/database_service.proto).
constexpr char kErrorDomain[] = "database.internal";

// The caller's deadline, propagated into every instance-service call and pool
// server operation the flow makes; absl::InfiniteFuture() when it set none (the
// flows' own timeouts apply then).
absl::Time CallerDeadline(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

serving::CallDispatcherOptions DispatcherOptions(serving::CallTelemetry telemetry) {
  serving::CallDispatcherOptions options;
  options.error_domain = kErrorDomain;
  options.telemetry = telemetry;
  return options;
}

std::string FullMethod(absl::string_view rpc) {
  return absl::StrCat("/", database::v1::DatabaseService::service_full_name(), "/", rpc);
}

}  // namespace

DatabaseServiceHandler::DatabaseServiceHandler(const PoolProvisioner& provisioner,
                                               const TenantAllocator& allocator,
                                               PoolMonitor& monitor, PoolReconciler& reconciler,
                                               serving::BoundedExecutor* executor,
                                               serving::CallTelemetry telemetry)
    : provisioner_(provisioner),
      allocator_(allocator),
      monitor_(monitor),
      reconciler_(reconciler),
      // Every payload the client kept from instance-service (ErrorInfo, BadRequest,
      // RetryInfo) is forwarded as it came, so reasons such as NO_CAPACITY reach
      // grpcurl users unchanged.
      dispatcher_(executor, &errors::ToGrpcStatus, DispatcherOptions(telemetry)),
      provision_pool_(dispatcher_.ForMethod(FullMethod("ProvisionPool"))),
      create_database_(dispatcher_.ForMethod(FullMethod("CreateDatabase"))),
      drop_database_(dispatcher_.ForMethod(FullMethod("DropDatabase"))),
      run_monitoring_pass_(dispatcher_.ForMethod(FullMethod("RunMonitoringPass"))),
      run_reconcile_pass_(dispatcher_.ForMethod(FullMethod("RunReconcilePass"))) {}

grpc::ServerUnaryReactor* DatabaseServiceHandler::ProvisionPool(
    grpc::CallbackServerContext* context, const database::v1::ProvisionPoolRequest* request,
    database::v1::ProvisionPoolResponse* response) {
  return dispatcher_.Dispatch(
      context, provision_pool_, [this, context, request, response]() -> absl::Status {
        instance::v1::CreateDbServerRequest create;
        instance::v1::DbServer& pool = *create.mutable_db_server();
        pool.set_display_name(request->display_name());
        pool.set_host(request->host());
        pool.set_port(request->port());
        pool.set_server_type(request->server_type().empty() ? "postgres" : request->server_type());
        pool.set_max_instances(request->max_instances());
        *pool.mutable_labels() = request->labels();
        create.set_request_id(request->request_id());
        auto provisioned = provisioner_.Provision(create, CallerDeadline(*context));
        if (!provisioned.ok()) return provisioned.status();
        *response->mutable_pool() = std::move(provisioned->pool);
        response->set_server_version(provisioned->server_version);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DatabaseServiceHandler::CreateDatabase(
    grpc::CallbackServerContext* context, const database::v1::CreateDatabaseRequest* request,
    database::v1::CreateDatabaseResponse* response) {
  return dispatcher_.Dispatch(
      context, create_database_, [this, context, request, response]() -> absl::Status {
        auto tenant = allocator_.Create(request->database_name(), request->server_type(),
                                        request->request_id(), CallerDeadline(*context));
        if (!tenant.ok()) return tenant.status();
        *response->mutable_pool() = std::move(tenant->pool);
        response->set_database_name(tenant->database.database_name);
        response->set_owner_role(tenant->database.owner_role);
        response->set_created(tenant->database.created);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DatabaseServiceHandler::DropDatabase(
    grpc::CallbackServerContext* context, const database::v1::DropDatabaseRequest* request,
    database::v1::DropDatabaseResponse* response) {
  return dispatcher_.Dispatch(
      context, drop_database_, [this, context, request, response]() -> absl::Status {
        auto released =
            allocator_.Drop(request->pool_id(), request->database_name(), request->request_id(),
                            request->allow_missing(), CallerDeadline(*context));
        if (!released.ok()) return released.status();
        *response->mutable_pool() = std::move(released->pool);
        response->set_released(released->released);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DatabaseServiceHandler::RunMonitoringPass(
    grpc::CallbackServerContext* context, const database::v1::RunMonitoringPassRequest*,
    database::v1::RunMonitoringPassResponse* response) {
  return dispatcher_.Dispatch(
      context, run_monitoring_pass_, [this, context, response]() -> absl::Status {
        auto report = monitor_.RunPass(CallerDeadline(*context));
        if (!report.ok()) return report.status();
        for (const PoolProbeOutcome& outcome : report->probes) {
          database::v1::PoolProbe& probe = *response->add_probes();
          probe.set_pool_id(outcome.pool_id);
          probe.set_display_name(outcome.display_name);
          probe.set_health(outcome.health);
          probe.set_message(outcome.message);
          const absl::Duration latency = outcome.latency;
          probe.mutable_latency()->set_seconds(absl::ToInt64Seconds(latency));
          probe.mutable_latency()->set_nanos(static_cast<int32_t>(
              absl::ToInt64Nanoseconds(latency - absl::Trunc(latency, absl::Seconds(1)))));
          probe.set_written(outcome.written);
          probe.set_write_error(outcome.write_error);
        }
        response->set_updates_written(report->updates_written);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DatabaseServiceHandler::RunReconcilePass(
    grpc::CallbackServerContext* context, const database::v1::RunReconcilePassRequest*,
    database::v1::RunReconcilePassResponse* response) {
  return dispatcher_.Dispatch(context, run_reconcile_pass_, [this, response]() -> absl::Status {
    auto report = reconciler_.RunPass();
    if (!report.ok()) return report.status();
    *response = ToReconcilePassResponse(*report);
    return absl::OkStatus();
  });
}

grpc::Status MalformedRequestStatus(const std::string& method) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "the request is not a valid message for " + method +
                          " (a string field with invalid UTF-8, or bytes that are not this "
                          "message)");
}

}  // namespace dbs::database_service
