#ifndef DATABASE_SERVICE_ALLOCATION_TENANT_ALLOCATOR_H_
#define DATABASE_SERVICE_ALLOCATION_TENANT_ALLOCATOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/instance_service_client.h"
#include "database_service/pool_admin/pool_admin.h"
#include "instance/v1/db_servers.pb.h"
#include "metrics/allocation_metrics.h"

namespace dbs::database_service {

// A tenant database placed on a pool.
struct AllocatedTenant {
  instance::v1::DbServer pool;  // after its instance_count was incremented
  TenantDatabase database;
};

// A tenant database removed from its pool.
struct ReleasedTenant {
  instance::v1::DbServer pool;  // after the release (as read, when nothing was released)
  bool released = false;
};

// The plan's db_allocation_service.py on the client: places tenant databases on
// pools and removes them, keeping `instance_count` equal to what exists.
//
// Create: AllocateDbServer(server_type) takes a slot on the least-loaded ACTIVE +
// HEALTHY pool, race-free across replicas; PoolAdmin::CreateTenantDatabase then
// creates the owner role and the database there. If that fails definitively
// (ALREADY_EXISTS, INVALID_ARGUMENT, PERMISSION_DENIED, ...), the slot is
// released with DecrementInstanceCount before the error is returned. If the pool
// server did not answer (UNAVAILABLE, DEADLINE_EXCEEDED), the slot stays held
// for this request_id: a retry with the same request_id replays the allocation
// (same pool, no second slot) and finishes the create with that slot. Releasing
// it instead would let that retry create a tenant that holds no slot.
//
// Drop: GetDbServer(pool_id) for the endpoint, PoolAdmin::DropTenantDatabase,
// DecrementInstanceCount, and PoolAdmin::DropTenantRole last: an owner role
// without its database marks a drop whose release may not have happened, and a
// retry finishes it. The release's request_id is derived from the tenant, not
// from the caller: from pool_id and the owner role's OID, which lives until the
// last step and is new for every incarnation of the tenant. So every drop of
// one tenant, whatever its request_id, releases its slot once.
//
// Idempotency: the caller's `request_id` (a UUID) is turned into one stable
// request_id per instance-service call of Create (DeriveRequestId), so retrying
// a Create with the same `request_id` replays those calls instead of repeating
// them: the same pool, one slot. A database that already exists with the
// tenant's owner counts as created. After a retryable Create error, retry with
// the same request_id (the slot is held for it); after a definitive one the slot
// has been released: retry with a new request_id.
//
// Metrics: when `metrics` is given, every Create and every Drop that reaches the
// release counts one dbs_allocations_total{outcome} (see AllocationOutcome).
//
// Thread-safe.
class TenantAllocator {
 public:
  TenantAllocator(client::InstanceServiceClient client, std::shared_ptr<PoolAdmin> pool_admin,
                  std::shared_ptr<metrics::AllocationMetrics> metrics = nullptr)
      : client_(std::move(client)),
        pool_admin_(std::move(pool_admin)),
        metrics_(std::move(metrics)) {}

  // Errors: INVALID_ARGUMENT (name, server_type, request_id); RESOURCE_EXHAUSTED
  // (NO_CAPACITY) when no eligible pool has a free slot; ALREADY_EXISTS when the
  // name is taken on the chosen pool by another owner; UNAVAILABLE /
  // DEADLINE_EXCEEDED when the pool server does not answer (the slot stays
  // held: retry with the same request_id); errors of the client calls, passed
  // through. The slot is released on every other error after allocation.
  //
  // `deadline` is the caller's (the CreateDatabase RPC's): it bounds the
  // AllocateDbServer call and the pool server's CREATE DATABASE. The release
  // after a definitive failure is not bounded by it (it repairs a slot the caller
  // cannot see; it gets the client's default timeout).
  absl::StatusOr<AllocatedTenant> Create(const std::string& database_name,
                                         const std::string& server_type,
                                         const std::string& request_id,
                                         absl::Time deadline = absl::InfiniteFuture()) const;

  // Errors: INVALID_ARGUMENT; NOT_FOUND (the pool, or, unless `allow_missing`,
  // neither database nor owner role exist); FAILED_PRECONDITION when the
  // database is not a tenant database; UNAVAILABLE when the pool server or
  // instance-service does not answer (retry, with any request_id: the release
  // happens once per tenant).
  // `deadline` (the caller's) bounds every instance-service call and pool-server
  // operation.
  absl::StatusOr<ReleasedTenant> Drop(const std::string& pool_id, const std::string& database_name,
                                      const std::string& request_id, bool allow_missing,
                                      absl::Time deadline = absl::InfiniteFuture()) const;

 private:
  // Create without the metrics; `outcome` says how it ended.
  absl::StatusOr<AllocatedTenant> CreateAndClassify(const std::string& database_name,
                                                    const std::string& server_type,
                                                    const std::string& request_id,
                                                    absl::Time deadline,
                                                    metrics::AllocationOutcome* outcome) const;
  void Count(metrics::AllocationOutcome outcome) const {
    if (metrics_) metrics_->Count(outcome);
  }

  client::InstanceServiceClient client_;
  std::shared_ptr<PoolAdmin> pool_admin_;
  std::shared_ptr<metrics::AllocationMetrics> metrics_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_ALLOCATION_TENANT_ALLOCATOR_H_
