#ifndef METRICS_ALLOCATION_METRICS_H_
#define METRICS_ALLOCATION_METRICS_H_

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// How one tenant-database request of database-service ended.
enum class AllocationOutcome {
  kOk,               // "ok": the tenant database exists on its pool (created, or a retry found it)
  kInvalidRequest,   // "invalid_request": refused before anything was allocated
  kNoCapacity,       // "no_capacity": AllocateDbServer found no ACTIVE+HEALTHY pool with room
  kAllocateError,    // "allocate_error": AllocateDbServer failed otherwise (instance-service)
  kPoolUnavailable,  // "pool_unavailable": the pool server did not answer; slot held for a retry
  kPoolError,        // "pool_error": CREATE DATABASE failed for good; the slot was released
  kSlotLeaked,       // "slot_leaked": as pool_error, but the release failed too (operator!)
  kReleased,         // "released": a drop released the tenant's slot
  kReleaseError,     // "release_error": a drop could not release the slot (a retry finishes)
};
absl::string_view AllocationOutcomeLabel(AllocationOutcome outcome);

// database-service's allocations (TenantAllocator):
//
//   dbs_allocations_total{outcome}   counter
//
// Every outcome's series exists from construction (at 0).
//
//   AllocationMetrics allocation_metrics(exporter.registry());
//   allocation_metrics.Count(AllocationOutcome::kNoCapacity);
//
// Thread-safe; `registry` must outlive this object.
class AllocationMetrics {
 public:
  explicit AllocationMetrics(prometheus::Registry& registry);
  AllocationMetrics(const AllocationMetrics&) = delete;
  AllocationMetrics& operator=(const AllocationMetrics&) = delete;

  void Count(AllocationOutcome outcome);

 private:
  static constexpr int kOutcomes = static_cast<int>(AllocationOutcome::kReleaseError) + 1;
  prometheus::Counter* outcomes_[kOutcomes];
};

}  // namespace dbs::metrics

#endif  // METRICS_ALLOCATION_METRICS_H_
