#include "metrics/allocation_metrics.h"

#include <string>

namespace dbs::metrics {

absl::string_view AllocationOutcomeLabel(AllocationOutcome outcome) {
  switch (outcome) {
    case AllocationOutcome::kOk:
      return "ok";
    case AllocationOutcome::kInvalidRequest:
      return "invalid_request";
    case AllocationOutcome::kNoCapacity:
      return "no_capacity";
    case AllocationOutcome::kAllocateError:
      return "allocate_error";
    case AllocationOutcome::kPoolUnavailable:
      return "pool_unavailable";
    case AllocationOutcome::kPoolError:
      return "pool_error";
    case AllocationOutcome::kSlotLeaked:
      return "slot_leaked";
    case AllocationOutcome::kReleased:
      return "released";
    case AllocationOutcome::kReleaseError:
      return "release_error";
  }
  return "ok";
}

AllocationMetrics::AllocationMetrics(prometheus::Registry& registry) {
  auto& family = prometheus::BuildCounter()
                     .Name("dbs_allocations_total")
                     .Help("Tenant database requests of database-service, by outcome.")
                     .Register(registry);
  for (int i = 0; i < kOutcomes; ++i) {
    outcomes_[i] = &family.Add(
        {{"outcome", std::string(AllocationOutcomeLabel(static_cast<AllocationOutcome>(i)))}});
  }
}

void AllocationMetrics::Count(AllocationOutcome outcome) {
  outcomes_[static_cast<int>(outcome)]->Increment();
}

}  // namespace dbs::metrics
