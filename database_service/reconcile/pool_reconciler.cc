#include "database_service/reconcile/pool_reconciler.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "database_service/allocation/derived_request_id.h"
#include "glog/logging.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;
using Verdict = PoolReconcileOutcome::Verdict;

// A request_id for the n-th repair of one observed drift: the pool's etag as
// read names the observation (every write changes it), so replicas repairing
// the same observation send the same ids and the server applies them once,
// while a later drift (a new etag) gets new ones.
std::string RepairRequestId(const DbServer& pool, const char* direction, int n) {
  return DeriveRequestId(pool.id(),
                         absl::StrCat("reconcile ", direction, " ", n, " at etag ", pool.etag()));
}

// Whether `answer`, the pool as a Decrement/IncrementInstanceCount returned
// it, comes from a write made now rather than a replay of an earlier one with
// the same request_id, which returns the first answer: a replayed write
// happened before `read` (the pool as read under the lease), a new one after.
bool AppliedNow(const DbServer& answer, const DbServer& read) {
  const auto& a = answer.update_time();
  const auto& r = read.update_time();
  return a.seconds() > r.seconds() || (a.seconds() == r.seconds() && a.nanos() > r.nanos());
}

}  // namespace

absl::Duration MinimumReconcileSettle(absl::Duration call_timeout, absl::Duration connect_timeout,
                                      absl::Duration ddl_timeout) {
  return 2 * (2 * call_timeout + connect_timeout + ddl_timeout);
}

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kInSync:
      return "in sync";
    case Verdict::kDriftPending:
      return "drift pending";
    case Verdict::kRepaired:
      return "repaired";
    case Verdict::kBusy:
      return "busy";
    case Verdict::kUnreachable:
      return "unreachable";
    case Verdict::kRepairFailed:
      return "repair failed";
  }
  return "unknown";
}

PoolReconciler::PoolReconciler(client::InstanceServiceClient client,
                               std::shared_ptr<PoolAdmin> pool_admin, PoolReconcilerOptions options)
    : client_(std::move(client)),
      pool_admin_(std::move(pool_admin)),
      options_(std::move(options)) {}

absl::StatusOr<ReconcilePassReport> PoolReconciler::RunPass() {
  std::lock_guard<std::mutex> pass(pass_mutex_);
  client::CallOptions call;
  call.timeout = options_.call_timeout;
  auto listed = client_.ListAllDbServers("", 0, call);
  if (!listed.ok()) return listed.status();

  ReconcilePassReport report;
  std::set<std::string> listed_ids;
  for (const DbServer& pool : *listed) {
    listed_ids.insert(pool.id());
    // PROVISIONING pools belong to provisioning and hold no tenants yet.
    if (pool.state() == DbServer::STATE_PROVISIONING) continue;
    report.pools.push_back(ReconcilePool(pool));
    report.repairs += report.pools.back().slots_released + report.pools.back().tenants_counted;
  }
  // Forget pools that are gone.
  for (auto it = observations_.begin(); it != observations_.end();) {
    it = listed_ids.count(it->first) > 0 ? std::next(it) : observations_.erase(it);
  }
  return report;
}

PoolReconcileOutcome PoolReconciler::ReconcilePool(const DbServer& listed) {
  PoolReconcileOutcome outcome;
  outcome.pool_id = listed.id();
  outcome.display_name = listed.display_name();
  outcome.instance_count = -1;
  outcome.tenant_databases = -1;

  auto lease = pool_admin_->LeaseTenants({listed.host(), listed.port()}, options_.lease_wait);
  if (!lease.ok()) {
    outcome.verdict = absl::IsAborted(lease.status()) ? Verdict::kBusy : Verdict::kUnreachable;
    outcome.message = std::string(lease.status().message());
    return outcome;
  }
  auto inventory = (*lease)->Inventory();
  if (!inventory.ok()) {
    outcome.verdict = Verdict::kUnreachable;
    outcome.message = inventory.status().ToString();
    return outcome;
  }
  outcome.tenant_databases = static_cast<int>(inventory->databases.size());
  // Read after the inventory, under the lease: no create or drop can change
  // the databases now, so both describe one moment but for allocations not yet
  // on the pool server and drops not yet released, which `settle` covers.
  client::CallOptions call;
  call.timeout = options_.call_timeout;
  auto pool = client_.GetDbServer(listed.id(), call);
  if (!pool.ok()) {
    outcome.verdict = Verdict::kUnreachable;
    outcome.message = absl::StrCat("reading the pool: ", pool.status().ToString());
    return outcome;
  }
  outcome.instance_count = pool->instance_count();

  if (pool->instance_count() == outcome.tenant_databases) {
    observations_.erase(pool->id());
    outcome.verdict = Verdict::kInSync;
    return outcome;
  }
  const absl::Time now = options_.now();
  auto seen = observations_.find(pool->id());
  if (seen == observations_.end() || seen->second.instance_count != pool->instance_count() ||
      seen->second.databases != inventory->databases) {
    observations_[pool->id()] = {now, pool->instance_count(), inventory->databases};
    outcome.verdict = Verdict::kDriftPending;
    outcome.message = "drift first seen now";
    return outcome;
  }
  outcome.drift_age = now - seen->second.first_seen;
  if (outcome.drift_age < options_.settle) {
    outcome.verdict = Verdict::kDriftPending;
    outcome.message =
        absl::StrCat("unchanged for ", absl::FormatDuration(outcome.drift_age),
                     "; repaired once unchanged for ", absl::FormatDuration(options_.settle));
    return outcome;
  }
  Repair(*pool, *inventory, **lease, outcome);
  // Whatever the repair achieved, the next observation starts a new history.
  observations_.erase(pool->id());
  return outcome;
}

void PoolReconciler::Repair(const DbServer& pool, const TenantInventory& inventory,
                            TenantLease& lease, PoolReconcileOutcome& outcome) {
  client::CallOptions call;
  call.timeout = options_.call_timeout;
  const int drift = outcome.instance_count - outcome.tenant_databases;
  outcome.verdict = Verdict::kRepaired;
  auto fail = [&](std::string why) {
    outcome.verdict = Verdict::kRepairFailed;
    outcome.message = std::move(why);
    LOG(WARNING) << "reconcile: pool " << pool.display_name() << " (" << pool.id()
                 << "): " << outcome.message;
  };

  // More slots than databases. Orphan owner roles first: each may be a drop
  // whose release never arrived, so release with that drop's own request_id
  // (a retried drop then replays it) and drop the role (the drop's last step).
  // If that release had arrived after all, the call replays it and the drift
  // is still to be released.
  if (drift > 0) {
    auto orphan = inventory.orphan_roles.begin();
    int released = 0;
    for (int n = 0; released < drift; ++n) {
      ReconcileRepair repair;
      repair.pool_id = pool.id();
      repair.display_name = pool.display_name();
      const bool finishes_drop = orphan != inventory.orphan_roles.end();
      if (finishes_drop) {
        repair.tenant = orphan->first;
        repair.request_id = TenantReleaseRequestId(pool.id(), orphan->first, orphan->second);
        ++orphan;
      } else {
        repair.request_id = RepairRequestId(pool, "release", n);
      }
      instance::v1::DecrementInstanceCountRequest release;
      release.set_id(pool.id());
      release.set_request_id(repair.request_id);
      auto after = client_.DecrementInstanceCount(release, call);
      if (!after.ok()) return fail(absl::StrCat("releasing a slot: ", after.status().ToString()));
      ++released;
      if (AppliedNow(*after, pool)) {
        ++outcome.slots_released;
        Report(repair, outcome);
      } else if (finishes_drop) {
        --released;  // the drop had released it: the drift is elsewhere
      }              // else another replica repaired this very observation already
      if (finishes_drop) {
        if (absl::Status role = lease.DropOrphanRole(repair.tenant); !role.ok()) {
          // The slot is released; a leftover role only reuses this release id
          // if its tenant is dropped again, which later passes repair.
          LOG(WARNING) << "reconcile: pool " << pool.display_name() << ": could not drop "
                       << OwnerRoleFor(repair.tenant) << ": " << role;
        }
      }
    }
    return;
  }

  // More databases than slots: count each one.
  for (int n = 0; n < -drift; ++n) {
    ReconcileRepair repair;
    repair.kind = ReconcileRepair::Kind::kCountTenant;
    repair.pool_id = pool.id();
    repair.display_name = pool.display_name();
    repair.request_id = RepairRequestId(pool, "count", n);
    instance::v1::IncrementInstanceCountRequest count;
    count.set_id(pool.id());
    count.set_request_id(repair.request_id);
    auto after = client_.IncrementInstanceCount(count, call);
    if (!after.ok()) {
      // Full or not ACTIVE: the pool holds more tenants than it may, which only
      // an operator can resolve (raise max_instances, or move a tenant).
      outcome.verdict = Verdict::kRepairFailed;
      outcome.message = absl::StrCat(-drift - n, " tenant database(s) hold no slot and cannot be ",
                                     "counted: ", after.status().ToString());
      LOG(ERROR) << "reconcile: pool " << pool.display_name() << " (" << pool.id()
                 << ") needs an operator: " << outcome.message;
      return;
    }
    if (AppliedNow(*after, pool)) {
      ++outcome.tenants_counted;
      Report(repair, outcome);
    }
  }
}

void PoolReconciler::Report(const ReconcileRepair& repair, const PoolReconcileOutcome& outcome) {
  const bool release = repair.kind == ReconcileRepair::Kind::kReleaseSlot;
  LOG(WARNING) << "reconcile: pool " << repair.display_name << " (" << repair.pool_id << ") had "
               << outcome.instance_count << " slots for " << outcome.tenant_databases
               << " tenant databases, unchanged for " << absl::FormatDuration(outcome.drift_age)
               << "; " << (release ? "released a slot" : "counted a tenant")
               << (repair.tenant.empty()
                       ? ""
                       : absl::StrCat(" (unfinished drop of ", repair.tenant, ")"))
               << ", request_id " << repair.request_id;
  if (options_.on_repair) options_.on_repair(repair);
}

}  // namespace dbs::database_service
