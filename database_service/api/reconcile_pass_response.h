#ifndef DATABASE_SERVICE_API_RECONCILE_PASS_RESPONSE_H_
#define DATABASE_SERVICE_API_RECONCILE_PASS_RESPONSE_H_

#include "database/v1/database_service.pb.h"
#include "database_service/reconcile/pool_reconciler.h"

namespace dbs::database_service {

// A reconciliation pass as database.v1 reports it (RunReconcilePass).
database::v1::RunReconcilePassResponse ToReconcilePassResponse(const ReconcilePassReport& report);

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_API_RECONCILE_PASS_RESPONSE_H_
