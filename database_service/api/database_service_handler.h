#ifndef DATABASE_SERVICE_API_DATABASE_SERVICE_HANDLER_H_
#define DATABASE_SERVICE_API_DATABASE_SERVICE_HANDLER_H_

#include <string>

#include "database/v1/database_service.grpc.pb.h"
#include "database_service/allocation/tenant_allocator.h"
#include "database_service/monitoring/pool_monitor.h"
#include "database_service/provisioning/pool_provisioner.h"
#include "database_service/reconcile/pool_reconciler.h"
#include "serving/bounded_executor.h"
#include "serving/call_dispatcher.h"

namespace dbs::database_service {

// gRPC handlers of database.v1.DatabaseService: map the request, call the flow,
// map the result; errors become grpc::Status only here (errors::ToGrpcStatus). The
// flows are not owned and must outlive the handler.
//
// gRPC's callback API: the flows block (libpq towards pool servers, CREATE DATABASE
// taking hundreds of milliseconds, instance-service calls), so each handler hands
// its work to `executor` through a serving::CallDispatcher, which queues briefly
// and sheds the rest as UNAVAILABLE SERVER_OVERLOADED (never as capacity).
class DatabaseServiceHandler final : public database::v1::DatabaseService::CallbackService {
 public:
  // `telemetry`: per-call metrics and call log (serving/call_dispatcher.h).
  DatabaseServiceHandler(const PoolProvisioner& provisioner, const TenantAllocator& allocator,
                         PoolMonitor& monitor, PoolReconciler& reconciler,
                         serving::BoundedExecutor* executor, serving::CallTelemetry telemetry = {});

  grpc::ServerUnaryReactor* ProvisionPool(grpc::CallbackServerContext* context,
                                          const database::v1::ProvisionPoolRequest* request,
                                          database::v1::ProvisionPoolResponse* response) override;
  grpc::ServerUnaryReactor* CreateDatabase(grpc::CallbackServerContext* context,
                                           const database::v1::CreateDatabaseRequest* request,
                                           database::v1::CreateDatabaseResponse* response) override;
  grpc::ServerUnaryReactor* DropDatabase(grpc::CallbackServerContext* context,
                                         const database::v1::DropDatabaseRequest* request,
                                         database::v1::DropDatabaseResponse* response) override;
  grpc::ServerUnaryReactor* RunMonitoringPass(
      grpc::CallbackServerContext* context, const database::v1::RunMonitoringPassRequest* request,
      database::v1::RunMonitoringPassResponse* response) override;
  grpc::ServerUnaryReactor* RunReconcilePass(
      grpc::CallbackServerContext* context, const database::v1::RunReconcilePassRequest* request,
      database::v1::RunReconcilePassResponse* response) override;

 private:
  const PoolProvisioner& provisioner_;
  const TenantAllocator& allocator_;
  PoolMonitor& monitor_;
  PoolReconciler& reconciler_;
  serving::CallDispatcher dispatcher_;
  // One per RPC, made once: their metrics series and names for the call log.
  const serving::CallDispatcher::Method provision_pool_;
  const serving::CallDispatcher::Method create_database_;
  const serving::CallDispatcher::Method drop_database_;
  const serving::CallDispatcher::Method run_monitoring_pass_;
  const serving::CallDispatcher::Method run_reconcile_pass_;
};

// The answer to a request whose bytes do not parse as `method`'s request
// message: INVALID_ARGUMENT instead of gRPC's INTERNAL
// (serving/malformed_request.h).
grpc::Status MalformedRequestStatus(const std::string& method);

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_API_DATABASE_SERVICE_HANDLER_H_
