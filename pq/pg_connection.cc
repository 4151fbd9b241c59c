#include "pq/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "instance_service/repository/error_reason.h"
#include "pq/sqlstate.h"

namespace dbs::pq {
namespace {

// libpq's messages end in newlines and may continue with hints; keep the first line.
std::string FirstLine(const char* message) {
  std::string line = message == nullptr ? "" : message;
  line = line.substr(0, line.find('\n'));
  return line;
}

// Sets the transaction-local statement_timeout (milliseconds, as text).
constexpr PgStatement kSetStatementTimeout = {"dbs_set_statement_timeout",
                                              "SELECT set_config('statement_timeout', $1, true)"};

// SQLSTATE feature_not_supported: raised when running a prepared statement whose
// result type changed since it was prepared ("cached plan must not change result
// type").
constexpr absl::string_view kFeatureNotSupported = "0A000";

// Server notices (e.g. "relation already exists, skipping") are not errors; libpq
// would print them to stderr.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

void PgConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

PgConnection::PgConnection(std::unique_ptr<pg_conn, PgConnDeleter> conn) : conn_(std::move(conn)) {}

PgConnection::~PgConnection() = default;

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& conninfo, absl::Time deadline, absl::Duration connect_timeout) {
  const absl::Time now = absl::Now();
  const absl::Time bound = std::min(deadline, now + connect_timeout);
  // libpq's own timeout backs up the poll loop below; it rounds anything under 2 s up.
  const std::string timeout_seconds = absl::StrCat(
      std::max<int64_t>(2, absl::ToInt64Seconds(absl::Ceil(connect_timeout, absl::Seconds(1)))));
  // Entries before dbname are defaults the conninfo string may override.
  const char* keywords[] = {
      "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
      "keepalives_count", "application_name", "dbname",          nullptr};
  const char* values[] = {timeout_seconds.c_str(), "1",    "30", "10", "3", "instance-service",
                          conninfo.c_str(),        nullptr};
  std::unique_ptr<pg_conn, PgConnDeleter> conn(
      PQconnectStartParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr) return ConnectionLostError("connect (out of memory)");
  if (PQstatus(conn.get()) == CONNECTION_BAD) {
    return dbs::instance::ErrorWithReason(
        absl::StatusCode::kUnavailable,
        absl::StrCat("connect: ", FirstLine(PQerrorMessage(conn.get()))), "DATABASE_UNAVAILABLE");
  }
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  while (polling != PGRES_POLLING_OK) {
    if (polling == PGRES_POLLING_FAILED) {
      return dbs::instance::ErrorWithReason(
          absl::StatusCode::kUnavailable,
          absl::StrCat("connect: ", FirstLine(PQerrorMessage(conn.get()))), "DATABASE_UNAVAILABLE");
    }
    const absl::Duration left = bound - absl::Now();
    if (left <= absl::ZeroDuration()) {
      if (bound >= deadline) return DeadlineError("connect");
      return dbs::instance::ErrorWithReason(
          absl::StatusCode::kUnavailable,
          absl::StrCat("connect: no answer within ", absl::FormatDuration(connect_timeout)),
          "DATABASE_UNAVAILABLE");
    }
    pollfd descriptor{PQsocket(conn.get()),
                      static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    const int64_t wait_ms = std::min<int64_t>(
        INT_MAX, absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
    const int ready = ::poll(&descriptor, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno != EINTR) return ConnectionLostError("connect (poll failed)");
    if (ready <= 0) continue;
    polling = PQconnectPoll(conn.get());
  }
  PQsetNoticeProcessor(conn.get(), &IgnoreNotice, nullptr);
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
    return dbs::instance::ErrorWithReason(
        absl::StatusCode::kInternal,
        absl::StrCat(context, ": ", FirstLine(PQerrorMessage(conn_.get()))), "INTERNAL_ERROR");
  }
  const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
  const char* constraint = PQresultErrorField(result.get(), PG_DIAG_CONSTRAINT_NAME);
  return StatusFromSqlState(sqlstate, context, primary == nullptr ? "" : primary,
                            constraint == nullptr ? "" : constraint);
}

void PgConnection::set_deadline(absl::Time deadline) {
  deadline_ = deadline;
  statement_timeout_ = absl::InfiniteDuration();
}

absl::Status PgConnection::BoundByDeadline(absl::string_view context) {
  if (deadline_ == absl::InfiniteFuture()) return absl::OkStatus();
  const absl::Duration left = deadline_ - absl::Now();
  if (left <= absl::ZeroDuration()) return DeadlineError(context);
  // The timeout set before still ends the statement close enough to the deadline.
  if (statement_timeout_ <= left + kDeadlineSlack) return absl::OkStatus();
  // Never 0: that would mean no timeout at all.
  const int64_t milliseconds =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
  auto set = ExecutePrepared(kSetStatementTimeout, {absl::StrCat(milliseconds)});
  if (!set.ok()) return set.status();
  statement_timeout_ = absl::Milliseconds(milliseconds);
  return absl::OkStatus();
}

absl::StatusOr<PgResult> PgConnection::Execute(absl::string_view sql) {
  if (IsBroken()) return ConnectionLostError("execute");
  if (absl::Status bound = BoundByDeadline("execute"); !bound.ok()) return bound;
  return Check(PQexec(conn_.get(), std::string(sql).c_str()), "execute");
}

absl::StatusOr<PgResult> PgConnection::Execute(const PgStatement& statement,
                                               const std::vector<PgParam>& params) {
  if (IsBroken()) return ConnectionLostError(statement.name);
  if (absl::Status bound = BoundByDeadline(statement.name); !bound.ok()) return bound;
  return ExecutePrepared(statement, params);
}

absl::StatusOr<PgResult> PgConnection::ExecutePrepared(const PgStatement& statement,
                                                       const std::vector<PgParam>& params) {
  if (IsBroken()) return ConnectionLostError(statement.name);
  if (stale_) return StalePreparedStatementError(statement.name);
  if (!prepared_.contains(statement.name)) {
    auto prepared = Check(PQprepare(conn_.get(), statement.name, statement.sql, 0, nullptr),
                          absl::StrCat("prepare ", statement.name));
    if (!prepared.ok()) return prepared.status();
    prepared_.insert(statement.name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  auto result = Check(PQexecPrepared(conn_.get(), statement.name, static_cast<int>(values.size()),
                                     values.data(), nullptr, nullptr, /*resultFormat=*/0),
                      statement.name);
  if (!result.ok() && SqlStateOf(result.status()) == kFeatureNotSupported) {
    // Its result type changed since it was prepared (DDL): every statement prepared
    // here may be stale, and would fail the same way until the connection closes.
    stale_ = true;
    return StalePreparedStatementError(statement.name);
  }
  return result;
}

bool PgConnection::IsIdleAndHealthy() const {
  return !stale_ && PQstatus(conn_.get()) == CONNECTION_OK &&
         PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

bool PgConnection::IsBroken() const { return PQstatus(conn_.get()) == CONNECTION_BAD; }

}  // namespace dbs::pq
