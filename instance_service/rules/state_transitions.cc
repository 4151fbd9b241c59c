#include "instance_service/rules/state_transitions.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "errors/error_status.h"

namespace dbs::instance {
namespace {

constexpr PoolState kAllStates[] = {PoolState::kProvisioning, PoolState::kActive,
                                    PoolState::kDraining, PoolState::kMaintenance,
                                    PoolState::kFailed};

}  // namespace

bool IsStateTransitionAllowed(PoolState from, PoolState to) {
  if (from == to) return true;
  switch (from) {
    case PoolState::kProvisioning:
      return to == PoolState::kActive || to == PoolState::kFailed;
    case PoolState::kActive:
      return to == PoolState::kDraining || to == PoolState::kMaintenance ||
             to == PoolState::kFailed;
    case PoolState::kDraining:
      return to == PoolState::kActive || to == PoolState::kMaintenance || to == PoolState::kFailed;
    case PoolState::kMaintenance:
      return to == PoolState::kActive || to == PoolState::kDraining || to == PoolState::kFailed;
    case PoolState::kFailed:
      return to == PoolState::kProvisioning;
  }
  return false;
}

std::vector<PoolState> AllowedSourceStates(PoolState to) {
  std::vector<PoolState> sources;
  for (PoolState from : kAllStates) {
    if (IsStateTransitionAllowed(from, to)) sources.push_back(from);
  }
  return sources;
}

absl::Status CheckStateTransition(PoolState from, PoolState to) {
  if (IsStateTransitionAllowed(from, to)) return absl::OkStatus();
  std::vector<std::string> allowed;
  for (PoolState candidate : kAllStates) {
    if (candidate != from && IsStateTransitionAllowed(from, candidate)) {
      allowed.push_back(StateName(candidate));
    }
  }
  return errors::MakeError(
      absl::StatusCode::kFailedPrecondition,
      absl::StrCat("cannot change state from ", StateName(from), " to ", StateName(to), "; ",
                   StateName(from), " may change only to ", absl::StrJoin(allowed, ", ")),
      ::instance::v1::INVALID_STATE_TRANSITION, {{"from", StateName(from)}, {"to", StateName(to)}});
}

}  // namespace dbs::instance
