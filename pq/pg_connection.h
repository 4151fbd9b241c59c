#ifndef PQ_PG_CONNECTION_H_
#define PQ_PG_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pq/pg_observer.h"
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

// How PgConnection::Connect reaches a server.
struct PgConnectOptions {
  // A libpq key=value string or URI; may be empty when `params` say everything.
  // Never logged and never put into an error message.
  std::string conninfo;
  // Keyword/value pairs applied after `conninfo` (so they win), e.g. host, port,
  // user, password, sslmode, dbname. Values go to libpq as they are, never spliced
  // into a string, so a password needs no quoting.
  std::vector<std::pair<std::string, std::string>> params;
  // application_name in pg_stat_activity, unless `conninfo` or `params` set one.
  std::string application_name;
  // Bound on the connect itself, whatever the caller's deadline.
  absl::Duration connect_timeout = absl::Seconds(3);
};

// One statement of a pipeline and its parameters. The statement is not owned: point
// it at a constant.
struct PgQuery {
  const PgStatement* statement;
  std::vector<PgParam> params;
};

// What one segment (one transaction) of PgConnection::Segments() came to.
struct PgSegmentResult {
  // OK, or the error of the statement that failed: then the whole segment was
  // rolled back, the statements before it included, and none after it ran.
  absl::Status status;
  int failed_query = -1;          // that statement's index in the segment
  std::vector<PgResult> results;  // when OK: one per statement, in order
};

// One open libpq connection (RAII: PQfinish on destruction) that prepares each
// PgStatement once, by name, the first time it runs here.
//
// One round trip per call: Pipeline() sends every statement it is given (preceded by
// the Parse of any statement this connection has not prepared yet, and by the
// deadline's statement_timeout) in libpq's pipeline mode, ends them with one Sync and
// reads every answer, so N statements cost one network round trip and, being one
// extended-protocol sync segment, run as one implicit transaction: all or nothing.
//
// Errors are pg_error.h's: a server error is kServer with its SQLSTATE (code from
// sqlstate.h's table); a lost connection is kConnectionLost UNAVAILABLE and leaves
// IsBroken() true. Messages never hold
// SQL text or the connection string. Not thread-safe: one user at a time (the pool
// hands it to one caller).
//
// Deadlines: a finite deadline bounds the statements through the session's
// statement_timeout, so PostgreSQL itself ends a statement at the deadline
// (DEADLINE_EXCEEDED, SQLSTATE 57014). The setting (the time left)
// travels in the same flush as the statements, and only when the one the session
// already has is off: later than the deadline by more than kTimeoutSlack, or more
// than kTimeoutLead earlier (it would cut a statement the caller still waits for).
// Callers with similar deadlines thus send it about once per connection, not once
// per call. The client side waits for the answer kIoGrace longer at most; past that
// the server is taken for unreachable, the connection is marked broken (the pool
// closes it) and the answer is kDeadline DEADLINE_EXCEEDED. A deadline already
// past sends nothing.
//
// Stale prepared statements: PostgreSQL refuses to run a prepared statement whose
// result row type changed since it was prepared (DDL such as the contract
// migration's ALTER COLUMN ... TYPE: SQLSTATE 0A000 "cached plan must not change
// result type"), and would keep refusing on this connection forever. So a 0A000 from
// running a prepared statement marks the connection stale: IsIdleAndHealthy() turns
// false, the pool closes it instead of reusing it, and the error is
// kStalePreparedStatement UNAVAILABLE (nothing was done, so callers may rerun it on
// another connection). The repository casts its result
// columns to fixed types so that its own statements never hit this; this is the
// backstop for future DDL.
class PgConnection {
 public:
  // Connects without blocking past `deadline` or `options.connect_timeout`,
  // whichever is first (see PgConnectOptions). Errors (pg_error.h): kConnect
  // UNAVAILABLE (refused, unreachable, timed out), kConnect PERMISSION_DENIED (the
  // server refused the login), kDeadline DEADLINE_EXCEEDED (the deadline came
  // first).
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const PgConnectOptions& options,
                                                               absl::Time deadline);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Runs `queries` in one round trip as one implicit transaction (see the class
  // comment), bounded by `deadline`. Returns one result per query, in order, or the
  // first error (then nothing of the pipeline was committed). Inside an explicit
  // transaction (RunInTransaction) the statements simply join it.
  absl::StatusOr<std::vector<PgResult>> Pipeline(const std::vector<PgQuery>& queries,
                                                 absl::Time deadline);

  // Several transactions in one round trip: each segment is sent as its own
  // implicit transaction (its own Sync) and succeeds or fails alone. An error of the
  // connection itself (lost, deadline, a stale statement) is the overall status.
  absl::StatusOr<std::vector<PgSegmentResult>> Segments(
      const std::vector<std::vector<PgQuery>>& segments, absl::Time deadline);

  // Pipeline() of one statement.
  absl::StatusOr<PgResult> Run(const PgStatement& statement, const std::vector<PgParam>& params,
                               absl::Time deadline);

  // Runs fixed SQL (no parameters) over the simple query protocol; several
  // statements separated by ';' are allowed (migrations), and so are statements
  // that refuse to run in a transaction block (CREATE/DROP DATABASE). Returns the
  // last result, or the first error. Build any identifier in `sql` with
  // QuoteIdentifier(); never splice input into it otherwise.
  //
  // The wait for the answer ends kIoGrace after `deadline`: then the statement is
  // cancelled on the server, the connection is marked broken, and the answer is
  // kDeadline DEADLINE_EXCEEDED. No statement_timeout is sent with it; one an
  // earlier Run() set still applies on the server.
  absl::StatusOr<PgResult> Execute(absl::string_view sql, absl::Time deadline);

  // Execute(sql, the deadline of set_deadline()).
  absl::StatusOr<PgResult> Execute(absl::string_view sql) { return Execute(sql, deadline_); }

  // Runs `statement` with `params`, bounded by the deadline of set_deadline().
  absl::StatusOr<PgResult> Execute(const PgStatement& statement,
                                   const std::vector<PgParam>& params);

  // The deadline Execute(statement, params) and Execute(sql) run under, until
  // cleared with absl::InfiniteFuture() (RunInTransaction sets it for the body of a
  // transaction).
  void set_deadline(absl::Time deadline) { deadline_ = deadline; }

  // Told how long each statement took (PgObserver::StatementAnswered); null: not
  // reported. Not owned; must outlive the connection. PgPool sets its own.
  void set_observer(PgObserver* observer) { observer_ = observer; }
  // `identifier` quoted for SQL by libpq (PQescapeIdentifier), in the connection's
  // encoding. INVALID_ARGUMENT when libpq refuses it (e.g. invalid encoding).
  absl::StatusOr<std::string> QuoteIdentifier(absl::string_view identifier) const;

  // How much longer than the deadline the client waits for the server's answer
  // (which statement_timeout makes arrive by the deadline) before giving up on it.
  static constexpr absl::Duration kIoGrace = absl::Milliseconds(250);
  // How far the session's statement_timeout may end past the deadline, and ahead
  // of it, before it is set again (see the class comment).
  static constexpr absl::Duration kTimeoutSlack = absl::Milliseconds(50);
  static constexpr absl::Duration kTimeoutLead = absl::Seconds(1);

  // Looks, without blocking, for what the server sent while the connection sat
  // idle: a server that closed it (restart, idle timeout) is noticed now, before a
  // statement is sent into a dead socket. True when it is still usable. A
  // connection used within the last kAliveCheckAfter is taken as alive without
  // the look (a syscall), so a busy pool pays nothing for it.
  bool CheckAlive();
  static constexpr absl::Duration kAliveCheckAfter = absl::Seconds(1);

  // True when the connection is usable, not inside a transaction and has no stale
  // prepared statement: the only state in which the pool takes it back.
  bool IsIdleAndHealthy() const;
  // True once libpq reports the connection bad, or once a pipeline was abandoned
  // half way (its state on the wire is unknown).
  bool IsBroken() const;
  // How many statements this connection has prepared (for tests and metrics).
  size_t prepared_count() const { return prepared_.size(); }

 private:
  explicit PgConnection(std::unique_ptr<pg_conn, PgConnDeleter> conn);
  absl::StatusOr<PgResult> Check(pg_result* raw, absl::string_view context);
  // Waits until the socket is ready for `events` or `until` passes; false on timeout
  // or a poll failure.
  bool WaitForSocket(short events, absl::Time until);
  // Sends everything queued; false when the connection failed or `until` passed.
  bool FlushUntil(absl::Time until);
  // Asks the server to stop the statement in flight (a deadline passed).
  void CancelRunningStatement();

  // The statement_timeout to send ahead of a pipeline bounded by `deadline`, or ""
  // when the one the session has already ends its statements close enough to it.
  std::string StatementTimeoutFor(absl::Time deadline, absl::Time now) const;

  std::unique_ptr<pg_conn, PgConnDeleter> conn_;
  absl::flat_hash_set<std::string> prepared_;
  bool stale_ = false;      // a prepared statement's result type changed under it
  bool abandoned_ = false;  // a pipeline was given up half way
  absl::Time deadline_ = absl::InfiniteFuture();
  PgObserver* observer_ = nullptr;
  absl::Time last_used_ = absl::InfinitePast();
  // The session's statement_timeout as this connection last set it; unknown
  // (infinite) until set, and again after anything that may have rolled it back.
  absl::Duration statement_timeout_ = absl::InfiniteDuration();
  bool timeout_ever_set_ = false;
};

}  // namespace dbs::pq

#endif  // PQ_PG_CONNECTION_H_
