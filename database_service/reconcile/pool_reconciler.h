#ifndef DATABASE_SERVICE_RECONCILE_POOL_RECONCILER_H_
#define DATABASE_SERVICE_RECONCILE_POOL_RECONCILER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/instance_service_client.h"
#include "database_service/pool_admin/pool_admin.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::database_service {

// One repair the reconciler applied: one slot released or one tenant counted.
struct ReconcileRepair {
  enum class Kind {
    kReleaseSlot,  // instance_count was above the tenant databases: -1
    kCountTenant,  // a tenant database held no slot: +1
  };
  Kind kind = Kind::kReleaseSlot;
  std::string pool_id;
  std::string display_name;
  // For a release that finished a half-done drop: the tenant whose owner role
  // was left behind (the release reuses that drop's request_id). Else empty.
  std::string tenant;
  std::string request_id;  // of the Decrement/IncrementInstanceCount sent
};

// What one pass found and did on one pool.
struct PoolReconcileOutcome {
  enum class Verdict {
    kInSync,        // instance_count equals the tenant databases
    kDriftPending,  // they differ, but not unchanged for `settle` yet
    kRepaired,      // the drift was repaired
    kBusy,          // a tenant create or drop was running: not looked at
    kUnreachable,   // the pool server or instance-service did not answer
    kRepairFailed,  // a repair call failed; the next passes start over
  };
  std::string pool_id;
  std::string display_name;
  Verdict verdict = Verdict::kInSync;
  int instance_count = 0;    // as read, before any repair (-1: not read)
  int tenant_databases = 0;  // as counted (-1: not counted)
  absl::Duration drift_age;  // how long this exact drift has been seen
  int slots_released = 0;
  int tenants_counted = 0;
  std::string message;  // why, for the pending, busy, unreachable and failed verdicts
};

struct ReconcilePassReport {
  std::vector<PoolReconcileOutcome> pools;  // in display_name order
  int repairs = 0;
};

struct PoolReconcilerOptions {
  // How long a drift must stay exactly the same (the same instance_count and
  // the same tenant databases, OIDs included) before it is repaired. Must be
  // longer than a create or drop can hold a slot without its database
  // (MinimumReconcileSettle), or a slow but healthy allocation would be undone.
  absl::Duration settle = absl::Minutes(10);
  // Deadline of each call to instance-service.
  absl::Duration call_timeout = absl::Seconds(10);
  // How long a pass waits for the creates and drops running on a pool server
  // to finish before it skips that pool as busy. New ones wait behind it, up to
  // this long plus the time the pass holds the lease.
  absl::Duration lease_wait = absl::Seconds(2);
  // The clock; tests replace it.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // Called once for every repair applied, after the log line: the hook for a
  // repairs counter. May be empty.
  std::function<void(const ReconcileRepair&)> on_repair;
};

// The shortest safe `settle`: longer than the longest a tenant create can hold
// a slot before its database exists, with a margin. A create's allocate and
// release calls each take at most `call_timeout`; between them it connects to
// the pool server (`connect_timeout`) and runs its DDL (`ddl_timeout`, which
// also bounds waiting for a lease). Doubled, because a process stalled by the
// scheduler or a debugger stretches these bounds.
absl::Duration MinimumReconcileSettle(absl::Duration call_timeout, absl::Duration connect_timeout,
                                      absl::Duration ddl_timeout);

// Keeps `instance_count` equal to the tenant databases that really exist, so
// no slot is lost (issue 11). The counts drift only on a double failure: a
// create fails and releasing its slot fails too, a drop's release never
// arrives, or a database-service replica dies between the two steps.
//
// A pass lists every pool (not PROVISIONING) and, for each one, takes the
// pool server's TenantLease (busy after `lease_wait`: skipped), counts the tenant
// databases, and reads `instance_count`. Both are read while no tenant change
// can run on that server, so a create or drop is seen either not started or
// finished. The lease cannot cover an allocation between AllocateDbServer and
// its first statement on the pool server, nor a drop between its DROP DATABASE
// and its release. So a drift is repaired only after it has stayed exactly
// the same, the same count and the same databases by OID, for `settle`: every
// create or drop that was running at the first sighting has finished by then
// and changed one of the two, unless it died, which is the leak to repair.
//
// Repairs, while still holding the lease, through the API:
// - more slots than databases: DecrementInstanceCount, first once per orphan
//   owner role (a drop left half done) with that drop's own request_id
//   (TenantReleaseRequestId), then dropping the role, so the drop, if retried,
//   replays the release instead of repeating it; then with a request_id
//   derived from (pool, etag as read, n), so two replicas repairing the same
//   observation release once.
// - more databases than slots: IncrementInstanceCount with the same kind of
//   derived request_id; refused while the pool is full or not ACTIVE (reported,
//   logged at ERROR: it needs an operator).
// Each repair is logged (one WARNING line) and passed to `on_repair`. After a
// repair the pool's history starts over. Observations live in memory: a
// restart only delays repairs by one `settle`.
//
// Assumes one DbServer record per pool server (host:port), as provisioning
// ensures; two records on one server would each count the other's tenants.
//
// Thread-safe: passes never overlap; a second caller waits for the running
// pass and then runs its own.
class PoolReconciler {
 public:
  PoolReconciler(client::InstanceServiceClient client, std::shared_ptr<PoolAdmin> pool_admin,
                 PoolReconcilerOptions options = {});

  // Runs one pass. Errors: those of listing the pools (nothing is reconciled
  // then); a pool that cannot be reconciled is part of the report.
  absl::StatusOr<ReconcilePassReport> RunPass();

 private:
  // A drift as seen, and since when it has been seen unchanged.
  struct Observation {
    absl::Time first_seen;
    int64_t instance_count = 0;
    std::map<std::string, uint32_t> databases;
  };

  PoolReconcileOutcome ReconcilePool(const instance::v1::DbServer& pool);
  // Applies the repair of a settled drift on `pool` (etag and count as read).
  void Repair(const instance::v1::DbServer& pool, const TenantInventory& inventory,
              TenantLease& lease, PoolReconcileOutcome& outcome);
  void Report(const ReconcileRepair& repair, const PoolReconcileOutcome& outcome);

  client::InstanceServiceClient client_;
  std::shared_ptr<PoolAdmin> pool_admin_;
  const PoolReconcilerOptions options_;
  std::mutex pass_mutex_;                            // one pass at a time
  std::map<std::string, Observation> observations_;  // by pool id; guarded by pass_mutex_
};

// "in sync", "drift pending", "repaired", "busy", "unreachable", "repair failed".
const char* VerdictName(PoolReconcileOutcome::Verdict verdict);

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_RECONCILE_POOL_RECONCILER_H_
