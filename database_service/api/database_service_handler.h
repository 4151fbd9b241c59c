#ifndef DATABASE_SERVICE_API_DATABASE_SERVICE_HANDLER_H_
#define DATABASE_SERVICE_API_DATABASE_SERVICE_HANDLER_H_

#include "database/v1/database_service.grpc.pb.h"
#include "database_service/allocation/tenant_allocator.h"
#include "database_service/monitoring/pool_monitor.h"
#include "database_service/provisioning/pool_provisioner.h"
#include "database_service/reconcile/pool_reconciler.h"

namespace dbs::database_service {

// gRPC handlers of database.v1.DatabaseService: map the request, call the flow,
// map the result; errors become grpc::Status only here (ToGrpcStatus). The
// flows are not owned and must outlive the handler.
//
// Handlers block (libpq, client calls); GrpcHost bounds how many run at once.
class DatabaseServiceHandler final : public database::v1::DatabaseService::Service {
 public:
  DatabaseServiceHandler(const PoolProvisioner& provisioner, const TenantAllocator& allocator,
                         PoolMonitor& monitor, PoolReconciler& reconciler)
      : provisioner_(provisioner),
        allocator_(allocator),
        monitor_(monitor),
        reconciler_(reconciler) {}

  grpc::Status ProvisionPool(grpc::ServerContext* context,
                             const database::v1::ProvisionPoolRequest* request,
                             database::v1::ProvisionPoolResponse* response) override;
  grpc::Status CreateDatabase(grpc::ServerContext* context,
                              const database::v1::CreateDatabaseRequest* request,
                              database::v1::CreateDatabaseResponse* response) override;
  grpc::Status DropDatabase(grpc::ServerContext* context,
                            const database::v1::DropDatabaseRequest* request,
                            database::v1::DropDatabaseResponse* response) override;
  grpc::Status RunMonitoringPass(grpc::ServerContext* context,
                                 const database::v1::RunMonitoringPassRequest* request,
                                 database::v1::RunMonitoringPassResponse* response) override;
  grpc::Status RunReconcilePass(grpc::ServerContext* context,
                                const database::v1::RunReconcilePassRequest* request,
                                database::v1::RunReconcilePassResponse* response) override;

 private:
  const PoolProvisioner& provisioner_;
  const TenantAllocator& allocator_;
  PoolMonitor& monitor_;
  PoolReconciler& reconciler_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_API_DATABASE_SERVICE_HANDLER_H_
