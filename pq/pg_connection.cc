#include "pq/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pq/pg_error.h"
#include "pq/sqlstate.h"

namespace dbs::pq {
namespace {

// libpq's messages end in newlines and may continue with hints; keep the first line.
std::string FirstLine(const char* message) {
  std::string line = message == nullptr ? "" : message;
  line = line.substr(0, line.find('\n'));
  return line;
}

// Sets the session's statement_timeout (milliseconds, as text). Like SET, it is
// undone when its transaction rolls back.
constexpr PgStatement kSetStatementTimeout = {"dbs_set_statement_timeout",
                                              "SELECT set_config('statement_timeout', $1, false)"};

// Server notices (e.g. "relation already exists, skipping") are not errors; libpq
// would print them to stderr.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

void PgConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

PgConnection::PgConnection(std::unique_ptr<pg_conn, PgConnDeleter> conn) : conn_(std::move(conn)) {}

PgConnection::~PgConnection() = default;

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const PgConnectOptions& options,
                                                                    absl::Time deadline) {
  const absl::Time now = absl::Now();
  const absl::Time bound = std::min(deadline, now + options.connect_timeout);
  // libpq's own timeout backs up the poll loop below; it rounds anything under 2 s up.
  const std::string timeout_seconds = absl::StrCat(std::max<int64_t>(
      2, absl::ToInt64Seconds(absl::Ceil(options.connect_timeout, absl::Seconds(1)))));
  // Later entries win: these defaults, then the conninfo string (expanded as
  // `dbname`), then the explicit params.
  std::vector<const char*> keywords = {"connect_timeout", "keepalives", "keepalives_idle",
                                       "keepalives_interval", "keepalives_count"};
  std::vector<const char*> values = {timeout_seconds.c_str(), "1", "30", "10", "3"};
  if (!options.application_name.empty()) {
    keywords.push_back("application_name");
    values.push_back(options.application_name.c_str());
  }
  if (!options.conninfo.empty()) {
    keywords.push_back("dbname");
    values.push_back(options.conninfo.c_str());
  }
  for (const auto& [keyword, value] : options.params) {
    keywords.push_back(keyword.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  std::unique_ptr<pg_conn, PgConnDeleter> conn(
      PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (conn == nullptr) {
    return PgError(PgErrorKind::kConnect, absl::StatusCode::kUnavailable, "connect",
                   "out of memory");
  }
  const auto refused = [&conn] {
    const std::string message = FirstLine(PQerrorMessage(conn.get()));
    // libpq reports a refused login only as text (no SQLSTATE reaches the client).
    const bool login_refused = absl::StrContains(message, "authentication failed") ||
                               absl::StrContains(message, "no pg_hba.conf entry");
    return PgError(
        PgErrorKind::kConnect,
        login_refused ? absl::StatusCode::kPermissionDenied : absl::StatusCode::kUnavailable,
        "connect", message);
  };
  if (PQstatus(conn.get()) == CONNECTION_BAD) return refused();
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  while (polling != PGRES_POLLING_OK) {
    if (polling == PGRES_POLLING_FAILED) return refused();
    const absl::Duration left = bound - absl::Now();
    if (left <= absl::ZeroDuration()) {
      if (bound >= deadline) return DeadlineError("connect");
      return PgError(
          PgErrorKind::kConnect, absl::StatusCode::kUnavailable, "connect",
          absl::StrCat("no answer within ", absl::FormatDuration(options.connect_timeout)));
    }
    pollfd descriptor{PQsocket(conn.get()),
                      static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    const int64_t wait_ms = std::min<int64_t>(
        INT_MAX, absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
    const int ready = ::poll(&descriptor, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno != EINTR) {
      return PgError(PgErrorKind::kConnect, absl::StatusCode::kUnavailable, "connect",
                     "poll failed");
    }
    if (ready <= 0) continue;
    polling = PQconnectPoll(conn.get());
  }
  PQsetNoticeProcessor(conn.get(), &IgnoreNotice, nullptr);
  // Pipelines flush and wait with poll() under the deadline.
  PQsetnonblocking(conn.get(), 1);
  return std::unique_ptr<PgConnection>(new PgConnection(std::move(conn)));
}

absl::StatusOr<PgResult> PgConnection::Check(pg_result* raw, absl::string_view context) {
  std::unique_ptr<pg_result, PgResultDeleter> result(raw);
  const ExecStatusType status =
      result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return PgResult(std::move(result));
  const char* sqlstate =
      result == nullptr ? nullptr : PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  if (sqlstate == nullptr) {
    // Errors libpq raises itself: nearly always a lost connection.
    if (IsBroken()) return ConnectionLostError(context);
    return PgError(PgErrorKind::kInternal, absl::StatusCode::kInternal, context,
                   FirstLine(PQerrorMessage(conn_.get())));
  }
  const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
  const char* constraint = PQresultErrorField(result.get(), PG_DIAG_CONSTRAINT_NAME);
  return ServerError(sqlstate, context, primary == nullptr ? "" : primary,
                     constraint == nullptr ? "" : constraint);
}

bool PgConnection::WaitForSocket(short events, absl::Time until) {
  while (true) {
    int timeout_ms = -1;
    if (until != absl::InfiniteFuture()) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      timeout_ms = static_cast<int>(std::min<int64_t>(
          INT_MAX, absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)))));
    }
    pollfd descriptor{PQsocket(conn_.get()), events, 0};
    const int ready = ::poll(&descriptor, 1, timeout_ms);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

bool PgConnection::FlushUntil(absl::Time until) {
  while (true) {
    const int flushed = PQflush(conn_.get());
    if (flushed == 0) return true;
    if (flushed < 0 || !WaitForSocket(POLLIN | POLLOUT, until)) return false;
    // The server may be answering while we still send; read so it never blocks on us.
    if (PQconsumeInput(conn_.get()) != 1) return false;
  }
}

absl::StatusOr<std::vector<PgSegmentResult>> PgConnection::Segments(
    const std::vector<std::vector<PgQuery>>& segments, absl::Time deadline) {
  const char* context = "pipeline";
  for (const auto& segment : segments) {
    if (!segment.empty()) {
      context = segment.front().statement->name;
      break;
    }
  }
  if (IsBroken()) return ConnectionLostError(context);
  if (stale_) return StalePreparedStatementError(context);
  const absl::Time now = absl::Now();
  if (now >= deadline) return DeadlineError(context);
  PGconn* conn = conn_.get();
  if (PQenterPipelineMode(conn) != 1) {
    return PgError(PgErrorKind::kInternal, absl::StatusCode::kInternal, context,
                   absl::StrCat("cannot enter pipeline mode: ", FirstLine(PQerrorMessage(conn))));
  }

  // Every command sent, in order: what its result means. Segment -1 is the
  // statement_timeout's own (so that a failing segment does not roll it back).
  struct Sent {
    const PgStatement* statement;
    int segment;
    int query;  // index in its segment; for a Parse, the query it was sent for
    bool parse;
  };
  std::vector<Sent> sent;
  absl::flat_hash_set<const char*> parsing;  // Parse sent in this pipeline
  bool sending = true;
  const auto send = [&](const PgStatement& statement, const std::vector<const char*>& values,
                        int segment, int query) {
    if (!sending) return;
    if (!prepared_.contains(statement.name) && parsing.insert(statement.name).second) {
      sending = PQsendPrepare(conn, statement.name, statement.sql, 0, nullptr) == 1;
      if (!sending) return;
      sent.push_back({&statement, segment, query, true});
    }
    sending = PQsendQueryPrepared(conn, statement.name, static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, /*resultFormat=*/0) == 1;
    if (sending) sent.push_back({&statement, segment, query, false});
  };
  int syncs = 0;
  const std::string timeout_ms = StatementTimeoutFor(deadline, now);
  if (!timeout_ms.empty()) {
    send(kSetStatementTimeout, {timeout_ms.c_str()}, -1, 0);
    sending = sending && PQpipelineSync(conn) == 1;
    ++syncs;
  }
  std::vector<const char*> values;
  for (size_t segment = 0; segment < segments.size(); ++segment) {
    for (size_t i = 0; i < segments[segment].size(); ++i) {
      const PgQuery& query = segments[segment][i];
      values.clear();
      for (const PgParam& param : query.params) values.push_back(param ? param->c_str() : nullptr);
      send(*query.statement, values, static_cast<int>(segment), static_cast<int>(i));
    }
    sending = sending && PQpipelineSync(conn) == 1;
    ++syncs;
  }
  const absl::Time io_until = deadline == absl::InfiniteFuture() ? deadline : deadline + kIoGrace;
  if (!sending || !FlushUntil(io_until)) {
    abandoned_ = true;
    if (IsBroken()) return ConnectionLostError(context);
    return absl::Now() >= io_until ? DeadlineError(context) : ConnectionLostError(context);
  }

  // Each command's results end with a NULL; PGRES_PIPELINE_SYNC ends a segment.
  std::vector<PgSegmentResult> out(segments.size());
  std::vector<std::vector<std::optional<PgResult>>> results(segments.size());
  for (size_t segment = 0; segment < segments.size(); ++segment) {
    results[segment].resize(segments[segment].size());
  }
  absl::Status timeout_status;
  bool stale = false;
  size_t command = 0;
  for (int synced = 0; synced < syncs;) {
    while (PQisBusy(conn)) {
      if (!WaitForSocket(POLLIN, io_until) || PQconsumeInput(conn) != 1) {
        abandoned_ = true;
        if (IsBroken() || absl::Now() < io_until) return ConnectionLostError(context);
        return DeadlineError(context);
      }
    }
    pg_result* raw = PQgetResult(conn);
    if (raw == nullptr) {
      ++command;
      continue;
    }
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_PIPELINE_SYNC) {
      PQclear(raw);
      ++synced;
      continue;
    }
    if (status == PGRES_PIPELINE_ABORTED || command >= sent.size()) {
      PQclear(raw);
      continue;
    }
    const Sent& what = sent[command];
    // The callers' statements only: not a Parse, nor the statement_timeout's own.
    if (observer_ != nullptr && !what.parse && what.segment >= 0) {
      observer_->StatementAnswered(what.statement->name, absl::Now() - now);
    }
    auto checked = Check(raw, what.statement->name);
    if (!checked.ok()) {
      stale |= SqlStateOf(checked.status()) == sqlstate::kFeatureNotSupported;
      if (what.segment < 0) {
        timeout_status = checked.status();
      } else if (out[what.segment].status.ok()) {
        out[what.segment].status = checked.status();
        out[what.segment].failed_query = what.query;
      }
      continue;
    }
    if (what.parse) {
      prepared_.insert(what.statement->name);
    } else if (what.segment >= 0) {
      results[what.segment][what.query] = *std::move(checked);
    }
  }
  if (PQexitPipelineMode(conn) != 1) abandoned_ = true;
  last_used_ = absl::Now();
  if (!timeout_ms.empty()) {
    timeout_ever_set_ = true;
    int64_t milliseconds = 0;
    statement_timeout_ = timeout_status.ok() && absl::SimpleAtoi(timeout_ms, &milliseconds)
                             ? absl::Milliseconds(milliseconds)
                             : absl::InfiniteDuration();
  }
  if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
    // Inside an explicit transaction a rollback may still undo the setting.
    for (const PgSegmentResult& segment : out) {
      if (!segment.status.ok()) statement_timeout_ = absl::InfiniteDuration();
    }
  }
  if (stale) {
    // A statement's result type changed since it was prepared (DDL): every
    // statement prepared here may be stale, and would fail the same way until the
    // connection closes.
    stale_ = true;
    return StalePreparedStatementError(context);
  }
  if (!timeout_status.ok()) return timeout_status;
  for (size_t segment = 0; segment < segments.size(); ++segment) {
    if (!out[segment].status.ok()) continue;
    for (auto& result : results[segment]) {
      if (!result) return ConnectionLostError(context);  // an answer went missing
      out[segment].results.push_back(*std::move(result));
    }
  }
  return out;
}

absl::StatusOr<std::vector<PgResult>> PgConnection::Pipeline(const std::vector<PgQuery>& queries,
                                                             absl::Time deadline) {
  auto segments = Segments({queries}, deadline);
  if (!segments.ok()) return segments.status();
  PgSegmentResult& only = segments->front();
  if (!only.status.ok()) return only.status;
  return std::move(only.results);
}

absl::StatusOr<PgResult> PgConnection::Run(const PgStatement& statement,
                                           const std::vector<PgParam>& params,
                                           absl::Time deadline) {
  auto results = Pipeline({PgQuery{&statement, params}}, deadline);
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

absl::StatusOr<PgResult> PgConnection::Execute(absl::string_view sql, absl::Time deadline) {
  if (IsBroken()) return ConnectionLostError("execute");
  if (absl::Now() >= deadline) return DeadlineError("execute");
  // Free SQL may set or roll back anything, statement_timeout included.
  statement_timeout_ = absl::InfiniteDuration();
  last_used_ = absl::Now();
  const absl::Time sent = last_used_;
  PGconn* conn = conn_.get();
  const absl::Time io_until = deadline == absl::InfiniteFuture() ? deadline : deadline + kIoGrace;
  if (PQsendQuery(conn, std::string(sql).c_str()) != 1 || !FlushUntil(io_until)) {
    // Lost, unless the wait only ended at the deadline: then ask the server to
    // stop the statement. Either way the connection is not reused.
    const bool lost = IsBroken() || absl::Now() < io_until;
    abandoned_ = true;
    if (lost) return ConnectionLostError("execute");
    CancelRunningStatement();
    return DeadlineError("execute");
  }
  std::optional<PgResult> last;
  absl::Status first_error;
  while (true) {
    while (PQisBusy(conn)) {
      if (!WaitForSocket(POLLIN, io_until) || PQconsumeInput(conn) != 1) {
        const bool lost = IsBroken() || absl::Now() < io_until;
        abandoned_ = true;
        if (lost) return ConnectionLostError("execute");
        CancelRunningStatement();
        return DeadlineError("execute");
      }
    }
    pg_result* raw = PQgetResult(conn);
    if (raw == nullptr) break;
    auto checked = Check(raw, "execute");
    if (!checked.ok()) {
      if (first_error.ok()) first_error = checked.status();
      continue;
    }
    last = *std::move(checked);
  }
  last_used_ = absl::Now();
  if (observer_ != nullptr) observer_->StatementAnswered("simple_query", last_used_ - sent);
  if (!first_error.ok()) return first_error;
  if (!last) return ConnectionLostError("execute");
  return *std::move(last);
}

void PgConnection::CancelRunningStatement() {
  // Best effort, and short: PQcancel opens a connection of its own to ask.
  PGcancel* cancel = PQgetCancel(conn_.get());
  if (cancel == nullptr) return;
  char message[256];
  (void)PQcancel(cancel, message, sizeof(message));
  PQfreeCancel(cancel);
}

absl::StatusOr<std::string> PgConnection::QuoteIdentifier(absl::string_view identifier) const {
  char* quoted = PQescapeIdentifier(conn_.get(), identifier.data(), identifier.size());
  if (quoted == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot quote identifier: ", FirstLine(PQerrorMessage(conn_.get()))));
  }
  std::string result(quoted);
  PQfreemem(quoted);
  return result;
}

std::string PgConnection::StatementTimeoutFor(absl::Time deadline, absl::Time now) const {
  if (deadline == absl::InfiniteFuture()) {
    // No deadline: a bound an earlier call left must not apply (the server's own
    // default does, as long as this connection never set one).
    return !timeout_ever_set_ || statement_timeout_ == absl::ZeroDuration() ? "" : "0";
  }
  const absl::Duration left = deadline - now;
  if (statement_timeout_ != absl::InfiniteDuration() &&
      statement_timeout_ != absl::ZeroDuration() && statement_timeout_ <= left + kTimeoutSlack &&
      statement_timeout_ >= left - kTimeoutLead) {
    return "";
  }
  // Never 0: that would mean no timeout at all.
  return absl::StrCat(
      std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)))));
}

absl::StatusOr<PgResult> PgConnection::Execute(const PgStatement& statement,
                                               const std::vector<PgParam>& params) {
  return Run(statement, params, deadline_);
}

bool PgConnection::CheckAlive() {
  if (IsBroken()) return false;
  if (absl::Now() - last_used_ < kAliveCheckAfter) return true;
  pollfd descriptor{PQsocket(conn_.get()), POLLIN, 0};
  if (::poll(&descriptor, 1, 0) > 0) {
    // Whatever the server sent unasked: a notice, or the EOF of a closed connection.
    (void)PQconsumeInput(conn_.get());
  }
  return !IsBroken();
}

bool PgConnection::IsIdleAndHealthy() const {
  return !stale_ && !abandoned_ && PQstatus(conn_.get()) == CONNECTION_OK &&
         PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

bool PgConnection::IsBroken() const {
  return abandoned_ || PQstatus(conn_.get()) == CONNECTION_BAD;
}

}  // namespace dbs::pq
