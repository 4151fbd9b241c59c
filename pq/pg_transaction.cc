#include "pq/pg_transaction.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "pq/pg_error.h"

namespace dbs::pq {
namespace {

void Rollback(PgConnection& connection) {
  if (!connection.IsBroken()) (void)connection.Execute("ROLLBACK");
}

// Bounds the connection's statements by the deadline while it lives.
class DeadlineScope {
 public:
  DeadlineScope(PgConnection& connection, absl::Time deadline) : connection_(connection) {
    connection_.set_deadline(deadline);
  }
  ~DeadlineScope() { Clear(); }
  void Clear() { connection_.set_deadline(absl::InfiniteFuture()); }

 private:
  PgConnection& connection_;
};

absl::Status RunOnce(PgConnection& connection, absl::Time deadline,
                     const TransactionOptions& options,
                     const std::function<absl::Status(PgConnection&)>& body, bool* began) {
  auto begin = connection.Execute(options.read_only ? "BEGIN READ ONLY" : "BEGIN");
  if (!begin.ok()) return begin.status();
  *began = true;
  // Each statement of the body gets statement_timeout = the time left when it
  // starts (see PgConnection::set_deadline), not the time left at BEGIN.
  DeadlineScope scope(connection, deadline);
  if (absl::Now() >= deadline) {
    scope.Clear();
    Rollback(connection);
    return DeadlineError("transaction");
  }
  absl::Status status = body(connection);
  scope.Clear();  // ROLLBACK must not be refused by the deadline
  if (!status.ok()) {
    Rollback(connection);
    return status;
  }
  // The caller gives up at the deadline: a COMMIT after it would apply a write the
  // caller was told had failed.
  if (absl::Now() >= deadline) {
    Rollback(connection);
    return DeadlineError("commit");
  }
  auto commit = connection.Execute("COMMIT");
  if (!commit.ok()) return commit.status();
  if (commit->CommandStatus() != "COMMIT") {
    return PgError(PgErrorKind::kInternal, absl::StatusCode::kInternal, "commit",
                   "the transaction was rolled back at commit");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunInTransaction(PgPool& pool, absl::Time deadline, const TransactionOptions& options,
                              const std::function<absl::Status(PgConnection&)>& body) {
  bool replaced_stale = false;
  for (int attempt = 1;; ++attempt) {
    auto connection = pool.Acquire(deadline);
    if (!connection.ok()) return connection.status();
    bool began = false;
    absl::Status status = RunOnce(**connection, deadline, options, body, &began);
    if (status.ok()) return status;
    if (!began && connection->reused() && (*connection)->IsBroken() && !replaced_stale) {
      replaced_stale = true;  // died while idle; nothing was sent
      --attempt;
      continue;
    }
    if (IsStalePreparedStatement(status)) {
      // Rolled back on a connection now discarded; rerun on another (a pooled one
      // may be stale too, hence up to max_attempts). If it persists the answer stays
      // kStalePreparedStatement UNAVAILABLE: nothing was done, safe to retry.
      if (attempt < options.max_attempts && absl::Now() < deadline) continue;
      return status;
    }
    if (IsTransientConflict(status)) {
      if (attempt < options.max_attempts && absl::Now() < deadline) continue;
      return PgError(PgErrorKind::kConflict, absl::StatusCode::kUnavailable, "transaction",
                     absl::StrCat("kept conflicting with concurrent ones (", status.message(),
                                  "); rolled back, retry with backoff"));
    }
    return status;
  }
}

}  // namespace dbs::pq
