#ifndef PQ_PG_ERROR_H_
#define PQ_PG_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::pq {

// What went wrong below the caller, as far as the libpq layer can tell. Every
// error of pq/ is an absl::Status with a canonical code and one of these kinds
// (plus the SQLSTATE and constraint for kServer), never an API reason: the layer
// that knows the API maps kinds to its vocabulary (instance-service's repository
// to instance.v1.ErrorReason, database-service passes codes through).
enum class PgErrorKind {
  kNone,                    // OK, or a status this layer did not make
  kConnect,                 // no connection could be opened (UNAVAILABLE, or
                            // PERMISSION_DENIED when the server refused the login)
  kConnectionLost,          // an open connection broke (UNAVAILABLE)
  kPoolExhausted,           // every pooled connection stayed busy past
                            // PgPoolOptions::max_wait (UNAVAILABLE)
  kDeadline,                // the caller's deadline passed on this side
                            // (DEADLINE_EXCEEDED; the server's statement_timeout
                            // arrives as kServer 57014 with the same code)
  kStalePreparedStatement,  // DDL changed a prepared statement's result type
                            // (UNAVAILABLE; nothing was done, rerun elsewhere)
  kConflict,                // serialization failures / deadlocks kept recurring
                            // (UNAVAILABLE; RunInTransaction gave up)
  kServer,                  // the server answered with an error: SqlStateOf(),
                            // code from CodeForSqlState() (sqlstate.h)
  kInternal,                // libpq failed locally (INTERNAL)
};

// The kind attached by this layer, or kNone.
PgErrorKind ErrorKindOf(const absl::Status& status);

// "connect", "connection_lost", "pool_exhausted", ...: for logs and tests.
absl::string_view ErrorKindName(PgErrorKind kind);

// A server error: code from CodeForSqlState(`sqlstate`), message "<context>:
// <server_message> (SQLSTATE xxxxx)", kind kServer, the SQLSTATE and the violated
// constraint (when any) attached for SqlStateOf()/ConstraintOf().
// `server_message` is the server's primary message, which never holds SQL text or
// credentials.
absl::Status ServerError(absl::string_view sqlstate, absl::string_view context,
                         absl::string_view server_message, absl::string_view constraint = "");

// An error of `kind` (not kServer) with `code` and the message "<context>: <what>".
absl::Status PgError(PgErrorKind kind, absl::StatusCode code, absl::string_view context,
                     absl::string_view what);

// Shorthands for the kinds above, with their usual codes and messages.
absl::Status ConnectionLostError(absl::string_view context);
absl::Status DeadlineError(absl::string_view context);
absl::Status StalePreparedStatementError(absl::string_view context);

// The SQLSTATE attached by ServerError() (or 0A000 by StalePreparedStatementError),
// or "".
std::string SqlStateOf(const absl::Status& status);

// The constraint name attached by ServerError(), or "".
std::string ConstraintOf(const absl::Status& status);

// True for kStalePreparedStatement.
bool IsStalePreparedStatement(const absl::Status& status);

// True for 40001 and 40P01: the transaction lost a race and may simply be rerun.
bool IsTransientConflict(const absl::Status& status);

}  // namespace dbs::pq

#endif  // PQ_PG_ERROR_H_
