#include "tests/bench/workload.h"

namespace dbs::bench {
namespace {

struct Named {
  Workload workload;
  const char* name;
};
constexpr Named kNames[] = {{Workload::kFind, "find"},         {Workload::kGet, "get"},
                            {Workload::kList, "list"},         {Workload::kIncrement, "increment"},
                            {Workload::kAllocate, "allocate"}, {Workload::kMixed, "mixed"}};

}  // namespace

std::string WorkloadName(Workload workload) {
  for (const Named& named : kNames) {
    if (named.workload == workload) return named.name;
  }
  return "?";
}

std::optional<Workload> ParseWorkload(absl::string_view name) {
  for (const Named& named : kNames) {
    if (name == named.name) return named.workload;
  }
  return std::nullopt;
}

Operation SingleOperation(Workload workload) {
  switch (workload) {
    case Workload::kFind:
      return Operation::kFind;
    case Workload::kGet:
      return Operation::kGet;
    case Workload::kList:
      return Operation::kList;
    case Workload::kIncrement:
      return Operation::kIncrement;
    case Workload::kAllocate:
    case Workload::kMixed:
      break;
  }
  return Operation::kAllocate;
}

Operation PickMixedOperation(uint32_t random_percent, bool holds_slot) {
  const uint32_t p = random_percent % 100;
  if (p < 40) return Operation::kGet;
  if (p < 60) return Operation::kFind;
  if (p < 80) return Operation::kAllocate;
  if (p < 90) return holds_slot ? Operation::kDecrement : Operation::kAllocate;
  return Operation::kList;
}

}  // namespace dbs::bench
