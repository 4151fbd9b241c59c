#include "database_service/api/reconcile_pass_response.h"

#include "google/protobuf/util/time_util.h"

namespace dbs::database_service {
namespace {

using database::v1::PoolReconciliation;

PoolReconciliation::Outcome ToProto(PoolReconcileOutcome::Verdict verdict) {
  switch (verdict) {
    case PoolReconcileOutcome::Verdict::kInSync:
      return PoolReconciliation::OUTCOME_IN_SYNC;
    case PoolReconcileOutcome::Verdict::kDriftPending:
      return PoolReconciliation::OUTCOME_DRIFT_PENDING;
    case PoolReconcileOutcome::Verdict::kRepaired:
      return PoolReconciliation::OUTCOME_REPAIRED;
    case PoolReconcileOutcome::Verdict::kBusy:
      return PoolReconciliation::OUTCOME_BUSY;
    case PoolReconcileOutcome::Verdict::kUnreachable:
      return PoolReconciliation::OUTCOME_UNREACHABLE;
    case PoolReconcileOutcome::Verdict::kRepairFailed:
      return PoolReconciliation::OUTCOME_REPAIR_FAILED;
  }
  return PoolReconciliation::OUTCOME_UNSPECIFIED;
}

}  // namespace

database::v1::RunReconcilePassResponse ToReconcilePassResponse(const ReconcilePassReport& report) {
  database::v1::RunReconcilePassResponse response;
  for (const PoolReconcileOutcome& outcome : report.pools) {
    PoolReconciliation& pool = *response.add_pools();
    pool.set_pool_id(outcome.pool_id);
    pool.set_display_name(outcome.display_name);
    pool.set_outcome(ToProto(outcome.verdict));
    pool.set_instance_count(outcome.instance_count);
    pool.set_tenant_databases(outcome.tenant_databases);
    *pool.mutable_drift_age() = google::protobuf::util::TimeUtil::NanosecondsToDuration(
        absl::ToInt64Nanoseconds(outcome.drift_age));
    pool.set_slots_released(outcome.slots_released);
    pool.set_tenants_counted(outcome.tenants_counted);
    pool.set_message(outcome.message);
  }
  response.set_repairs(report.repairs);
  return response;
}

}  // namespace dbs::database_service
