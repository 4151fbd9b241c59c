#include "instance_service/rules/state_transitions.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "errors/error_status.h"

namespace dbs::instance {
namespace {

constexpr DbServerState kAllStates[] = {DbServerState::kProvisioning, DbServerState::kActive,
                                        DbServerState::kDraining, DbServerState::kMaintenance,
                                        DbServerState::kFailed};

}  // namespace

bool IsStateTransitionAllowed(DbServerState from, DbServerState to) {
  if (from == to) return true;
  switch (from) {
    case DbServerState::kProvisioning:
      return to == DbServerState::kActive || to == DbServerState::kFailed;
    case DbServerState::kActive:
      return to == DbServerState::kDraining || to == DbServerState::kMaintenance ||
             to == DbServerState::kFailed;
    case DbServerState::kDraining:
      return to == DbServerState::kActive || to == DbServerState::kMaintenance ||
             to == DbServerState::kFailed;
    case DbServerState::kMaintenance:
      return to == DbServerState::kActive || to == DbServerState::kDraining ||
             to == DbServerState::kFailed;
    case DbServerState::kFailed:
      return to == DbServerState::kProvisioning;
  }
  return false;
}

std::vector<DbServerState> AllowedSourceStates(DbServerState to) {
  std::vector<DbServerState> sources;
  for (DbServerState from : kAllStates) {
    if (IsStateTransitionAllowed(from, to)) sources.push_back(from);
  }
  return sources;
}

absl::Status CheckStateTransition(DbServerState from, DbServerState to) {
  if (IsStateTransitionAllowed(from, to)) return absl::OkStatus();
  std::vector<std::string> allowed;
  for (DbServerState candidate : kAllStates) {
    if (candidate != from && IsStateTransitionAllowed(from, candidate)) {
      allowed.emplace_back(StateName(candidate));
    }
  }
  return errors::MakeError(
      absl::StatusCode::kFailedPrecondition,
      absl::StrCat("cannot change state from ", StateName(from), " to ", StateName(to), "; ",
                   StateName(from), " may change only to ", absl::StrJoin(allowed, ", ")),
      ::instance::v1::INVALID_STATE_TRANSITION, {{"from", StateName(from)}, {"to", StateName(to)}});
}

}  // namespace dbs::instance
