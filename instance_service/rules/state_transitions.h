#ifndef INSTANCE_SERVICE_RULES_STATE_TRANSITIONS_H_
#define INSTANCE_SERVICE_RULES_STATE_TRANSITIONS_H_

#include <vector>

#include "absl/status/status.h"
#include "instance_service/repository/db_server_record.h"

namespace dbs::instance {

// The pool lifecycle documented on instance.v1.DbServer.State:
//   PROVISIONING -> ACTIVE | FAILED
//   ACTIVE       -> DRAINING | MAINTENANCE | FAILED
//   DRAINING     -> ACTIVE | MAINTENANCE | FAILED
//   MAINTENANCE  -> ACTIVE | DRAINING | FAILED
//   FAILED       -> PROVISIONING
// Setting the current state again is allowed (a no-op).

// True when UpdateDbServer may move a pool from `from` to `to`.
bool IsStateTransitionAllowed(DbServerState from, DbServerState to);

// Every state a pool may move to `to` from, `to` itself included: the rule as the
// repository enforces it inside the write (UpdateRules::allowed_from).
std::vector<DbServerState> AllowedSourceStates(DbServerState to);

// OK when allowed; otherwise FAILED_PRECONDITION with reason
// "INVALID_STATE_TRANSITION", ErrorInfo metadata {"from", "to"} holding the
// DbServer.State names (as error_reason.proto documents), and a message naming
// both states and the states `from` may move to.
absl::Status CheckStateTransition(DbServerState from, DbServerState to);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_RULES_STATE_TRANSITIONS_H_
