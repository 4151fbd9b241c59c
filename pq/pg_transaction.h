#ifndef PQ_PG_TRANSACTION_H_
#define PQ_PG_TRANSACTION_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pq/pg_connection.h"
#include "pq/pg_pool.h"

namespace dbs::pq {

struct TransactionOptions {
  // BEGIN READ ONLY instead of BEGIN.
  bool read_only = false;
  // Runs of `body` when PostgreSQL reports a serialization failure or deadlock
  // (40001/40P01), the deadline permitting.
  int max_attempts = 3;
};

// Runs `body` in one transaction on a pooled connection:
//   BEGIN; body; COMMIT
// and ROLLBACK when anything fails, so the connection goes back to the pool idle.
// The deadline bounds the SQL: before each statement of the body the
// transaction-local statement_timeout is lowered to the time left (see
// PgConnection::set_deadline), a statement due after the deadline fails without
// being sent, and once the deadline has passed COMMIT is not sent: the transaction
// is rolled back and the answer is kDeadline DEADLINE_EXCEEDED, so a write never
// commits after the caller was told it timed out.
//
// `body` may run more than once (see below) and must not keep state between runs.
// Its non-OK status is returned unchanged; when it returns OK but the transaction
// was already aborted the result is INTERNAL. Retries happen only where nothing
// was committed:
//   - a reused pooled connection that turns out dead on BEGIN is replaced once;
//   - a prepared statement made stale by DDL (IsStalePreparedStatement) reruns
//     the whole body on another connection, up to max_attempts; if it persists
//     the answer is kStalePreparedStatement UNAVAILABLE (rolled back);
//   - 40001/40P01 rerun the whole body; if they persist the answer is
//     kConflict UNAVAILABLE (rolled back; safe to retry with backoff).
// Other errors: see PgPool::Acquire and pg_error.h. If the connection is lost
// during COMMIT the outcome is unknown (UNAVAILABLE); callers that must not apply
// twice carry a request id.
absl::Status RunInTransaction(PgPool& pool, absl::Time deadline, const TransactionOptions& options,
                              const std::function<absl::Status(PgConnection&)>& body);

}  // namespace dbs::pq

#endif  // PQ_PG_TRANSACTION_H_
