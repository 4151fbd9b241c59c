#ifndef PQ_PG_CONNECTION_H_
#define PQ_PG_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pq/pg_result.h"

struct pg_conn;

namespace dbs::pq {

struct PgConnDeleter {
  void operator()(pg_conn* conn) const;  // PQfinish
};

// A named SQL statement. Define them as constants next to the code that runs them;
// `sql` uses `$n` placeholders and never contains text built from input.
struct PgStatement {
  const char* name;
  const char* sql;
};

// One parameter in text format; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

// One open libpq connection (RAII: PQfinish on destruction) that prepares each
// PgStatement once, by name, the first time it runs here.
//
// Errors come from StatusFromSqlState() (see sqlstate.h); a lost connection is
// UNAVAILABLE DATABASE_UNAVAILABLE and leaves IsBroken() true. Messages never hold
// SQL text or the connection string. Not thread-safe: one user at a time (the pool
// hands it to one caller).
//
// Stale prepared statements: PostgreSQL refuses to run a prepared statement whose
// result row type changed since it was prepared (DDL such as the contract
// migration's ALTER COLUMN ... TYPE: SQLSTATE 0A000 "cached plan must not change
// result type"), and would keep refusing on this connection forever. So a 0A000 from
// running a prepared statement marks the connection stale: IsIdleAndHealthy() turns
// false, the pool closes it instead of reusing it, and the error is UNAVAILABLE
// DATABASE_UNAVAILABLE (nothing was done; IsStalePreparedStatement() is true, and
// RunInTransaction reruns the body on another connection). The repository casts its
// result columns to fixed types so that its own statements never hit this; this is
// the backstop for future DDL.
//
// Deadline: while set_deadline() holds a finite time (RunInTransaction sets it for
// the body of a transaction), every Execute() first makes sure the transaction-local
// statement_timeout ends the statement by that time (re-setting it, one extra round
// trip, when the one set before would let it run more than kDeadlineSlack past it),
// and fails DEADLINE_EXCEEDED QUERY_TIMEOUT without sending anything once the
// deadline has passed.
class PgConnection {
 public:
  // Connects without blocking past `deadline` or `connect_timeout`, whichever is
  // first. `conninfo` is a libpq key=value string or URI; its own settings win over
  // the defaults added here (connect_timeout, TCP keepalives, application_name).
  // Errors: UNAVAILABLE DATABASE_UNAVAILABLE (refused, unreachable, timed out,
  // authentication), DEADLINE_EXCEEDED QUERY_TIMEOUT (the deadline came first).
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                               absl::Time deadline,
                                                               absl::Duration connect_timeout);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Runs fixed SQL (no parameters) over the simple query protocol; several
  // statements separated by ';' are allowed (migrations). Returns the last result.
  absl::StatusOr<PgResult> Execute(absl::string_view sql);

  // Runs `statement` with `params`, preparing it on this connection first if needed.
  absl::StatusOr<PgResult> Execute(const PgStatement& statement,
                                   const std::vector<PgParam>& params);

  // Bounds every following Execute() by `deadline` (see the class comment) until
  // cleared with absl::InfiniteFuture(). Call it inside a transaction only: the
  // statement_timeout it sets is transaction-local. Setting it forgets the timeout
  // set before (a new transaction starts without one).
  void set_deadline(absl::Time deadline);

  // How far past the deadline a statement may run before statement_timeout is
  // re-set: saves a round trip between statements that follow each other quickly.
  static constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(10);

  // True when the connection is usable, not inside a transaction and has no stale
  // prepared statement: the only state in which the pool takes it back.
  bool IsIdleAndHealthy() const;
  // True once libpq reports the connection bad.
  bool IsBroken() const;
  // How many statements this connection has prepared (for tests and metrics).
  size_t prepared_count() const { return prepared_.size(); }

 private:
  explicit PgConnection(std::unique_ptr<pg_conn, PgConnDeleter> conn);
  absl::StatusOr<PgResult> Check(pg_result* raw, absl::string_view context);
  // Execute(statement, params) without the deadline check.
  absl::StatusOr<PgResult> ExecutePrepared(const PgStatement& statement,
                                           const std::vector<PgParam>& params);
  // OK when the next statement may run: the deadline (if any) has not passed and
  // statement_timeout ends it by then.
  absl::Status BoundByDeadline(absl::string_view context);

  std::unique_ptr<pg_conn, PgConnDeleter> conn_;
  absl::flat_hash_set<std::string> prepared_;
  bool stale_ = false;  // a prepared statement's result type changed under it
  absl::Time deadline_ = absl::InfiniteFuture();
  // The statement_timeout set in this transaction (infinite: none set yet).
  absl::Duration statement_timeout_ = absl::InfiniteDuration();
};

}  // namespace dbs::pq

#endif  // PQ_PG_CONNECTION_H_
