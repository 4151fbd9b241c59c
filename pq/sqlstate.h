#ifndef PQ_SQLSTATE_H_
#define PQ_SQLSTATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::pq {

// The one table that turns a PostgreSQL SQLSTATE into an absl::Status. Every error
// the postgres layer returns goes through it, so callers branch on codes, never on
// server message text.
//
//   23505 unique_violation            ALREADY_EXISTS       (caller names the reason)
//   23503 foreign_key_violation       FAILED_PRECONDITION  (caller names the reason)
//   23514 check_violation             FAILED_PRECONDITION  (caller names the reason)
//   22xxx data exceptions             INVALID_ARGUMENT     (caller names the reason)
//   57014 query_canceled              DEADLINE_EXCEEDED    QUERY_TIMEOUT
//         (statement_timeout is derived from the caller's deadline)
//   55P03 lock_not_available          DEADLINE_EXCEEDED    QUERY_TIMEOUT
//   40001 serialization_failure,
//   40P01 deadlock_detected           ABORTED              (no reason; RunInTransaction
//         retries these and, if they persist, answers UNAVAILABLE SERVER_OVERLOADED)
//   08xxx connection exceptions, 57P01..57P03 (shutdown, cannot connect now),
//   53xxx insufficient resources      UNAVAILABLE          DATABASE_UNAVAILABLE
//   anything else                     INTERNAL             INTERNAL_ERROR
//
// `context` says what was being done ("insert db server"); `server_message` is the
// server's primary message, which never contains SQL text or credentials. The
// SQLSTATE and the violated constraint's name (when any) travel as payloads, read
// back with SqlStateOf() and ConstraintOf().
absl::Status StatusFromSqlState(absl::string_view sqlstate, absl::string_view context,
                                absl::string_view server_message,
                                absl::string_view constraint = "");

// UNAVAILABLE DATABASE_UNAVAILABLE: the connection is gone (or never came up).
absl::Status ConnectionLostError(absl::string_view context);

// DEADLINE_EXCEEDED QUERY_TIMEOUT: the caller's deadline passed.
absl::Status DeadlineError(absl::string_view context);

// UNAVAILABLE DATABASE_UNAVAILABLE with SQLSTATE 0A000 attached: a prepared
// statement's result type changed under it (DDL); the connection is discarded and
// nothing was done, so the call may be retried (see PgConnection).
absl::Status StalePreparedStatementError(absl::string_view context);

// True for StalePreparedStatementError().
bool IsStalePreparedStatement(const absl::Status& status);

// The SQLSTATE attached by StatusFromSqlState(), or "".
std::string SqlStateOf(const absl::Status& status);

// The constraint name attached by StatusFromSqlState(), or "".
std::string ConstraintOf(const absl::Status& status);

// True for 40001 and 40P01: the transaction lost a race and may simply be rerun.
bool IsTransientConflict(const absl::Status& status);

}  // namespace dbs::pq

#endif  // PQ_SQLSTATE_H_
