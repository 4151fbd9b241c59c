#include "database_service/pool_admin/pool_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace dbs::database_service {
namespace {

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string ConnectionError(const PGconn* conn) {
  return std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
}

// Waits until the connection's socket is ready for `events` or `deadline` passes.
absl::Status WaitSocket(PGconn* conn, short events, absl::Time deadline) {
  const int fd = PQsocket(conn);
  if (fd < 0) return absl::UnavailableError("pool connection has no socket");
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("pool server did not answer in time");
    }
    pollfd entry{fd, events, 0};
    const int timeout_ms = static_cast<int>(std::min<int64_t>(
        absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))), int64_t{60000}));
    const int ready = poll(&entry, 1, timeout_ms);
    if (ready > 0) return absl::OkStatus();
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("poll on pool connection failed: errno ", errno));
    }
  }
}

// Best effort: asks the server to stop the statement in flight.
void Cancel(PGconn* conn) {
  PGcancel* cancel = PQgetCancel(conn);
  if (cancel == nullptr) return;
  char message[256];
  PQcancel(cancel, message, sizeof(message));
  PQfreeCancel(cancel);
}

absl::Status ResultStatus(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return absl::OkStatus();
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string state = sqlstate != nullptr ? sqlstate : "";
  return absl::Status(state.empty() ? absl::StatusCode::kUnavailable : MapSqlState(state),
                      absl::StrCat(absl::StripTrailingAsciiWhitespace(PQresultErrorMessage(result)),
                                   state.empty() ? "" : absl::StrCat(" (SQLSTATE ", state, ")")));
}

// Collects every result of the statement sent last, waiting at most until
// `deadline`. Returns the rows of the last result, or the first error.
absl::StatusOr<QueryRows> Collect(PGconn* conn, absl::Time deadline) {
  // Flush what is still buffered for sending.
  for (;;) {
    const int flushed = PQflush(conn);
    if (flushed == 0) break;
    if (flushed < 0) return absl::UnavailableError(ConnectionError(conn));
    if (absl::Status ready = WaitSocket(conn, POLLOUT | POLLIN, deadline); !ready.ok()) {
      Cancel(conn);
      return ready;
    }
  }
  absl::Status first_error;
  QueryRows rows;
  for (;;) {
    while (PQisBusy(conn)) {
      if (absl::Status ready = WaitSocket(conn, POLLIN, deadline); !ready.ok()) {
        Cancel(conn);
        return ready;
      }
      if (!PQconsumeInput(conn)) return absl::UnavailableError(ConnectionError(conn));
    }
    Result result(PQgetResult(conn), &PQclear);
    if (result == nullptr) break;
    if (absl::Status status = ResultStatus(result.get()); !status.ok()) {
      if (first_error.ok()) first_error = status;
      continue;
    }
    rows.clear();
    const int row_count = PQntuples(result.get());
    const int column_count = PQnfields(result.get());
    for (int row = 0; row < row_count; ++row) {
      std::vector<std::string> values;
      values.reserve(column_count);
      for (int column = 0; column < column_count; ++column) {
        values.emplace_back(PQgetvalue(result.get(), row, column));
      }
      rows.push_back(std::move(values));
    }
  }
  if (!first_error.ok()) return first_error;
  if (PQstatus(conn) == CONNECTION_BAD) return absl::UnavailableError(ConnectionError(conn));
  return rows;
}

}  // namespace

absl::StatusCode MapSqlState(const std::string& sqlstate) {
  if (sqlstate == "42P04" || sqlstate == "42710") return absl::StatusCode::kAlreadyExists;
  if (sqlstate == "3D000" || sqlstate == "42704") return absl::StatusCode::kNotFound;
  if (sqlstate == "42501" || absl::StartsWith(sqlstate, "28")) {
    return absl::StatusCode::kPermissionDenied;
  }
  if (sqlstate == "57014") return absl::StatusCode::kDeadlineExceeded;
  if (sqlstate == "55006") return absl::StatusCode::kFailedPrecondition;
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P0") ||
      absl::StartsWith(sqlstate, "53")) {
    return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kInternal;
}

void PoolConnection::Closer::operator()(pg_conn* conn) const { PQfinish(conn); }

PoolConnection::PoolConnection(PoolConnection&&) noexcept = default;
PoolConnection& PoolConnection::operator=(PoolConnection&&) noexcept = default;
PoolConnection::~PoolConnection() = default;

absl::StatusOr<PoolConnection> PoolConnection::Open(const PoolEndpoint& endpoint,
                                                    const PoolCredentials& credentials,
                                                    absl::Time deadline) {
  const std::string port = absl::StrCat(endpoint.port);
  // connect_timeout is only a backstop (libpq's minimum is 2 s); the deadline
  // below is what bounds the wait.
  std::vector<const char*> keywords = {
      "host", "port", "user", "dbname", "sslmode", "application_name", "connect_timeout"};
  std::vector<const char*> values = {endpoint.host.c_str(),
                                     port.c_str(),
                                     credentials.user.c_str(),
                                     "postgres",
                                     credentials.sslmode.c_str(),
                                     "database-service",
                                     "10"};
  if (!credentials.password.empty()) {
    keywords.push_back("password");
    values.push_back(credentials.password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);

  std::unique_ptr<pg_conn, Closer> conn(
      PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/0));
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn.get()) == CONNECTION_BAD) {
    return absl::UnavailableError(ConnectionError(conn.get()));
  }
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  for (;;) {
    if (polling == PGRES_POLLING_OK) break;
    if (polling == PGRES_POLLING_FAILED) {
      const std::string message = ConnectionError(conn.get());
      return absl::Status(absl::StrContains(message, "authentication failed") ||
                                  absl::StrContains(message, "no pg_hba.conf entry")
                              ? absl::StatusCode::kPermissionDenied
                              : absl::StatusCode::kUnavailable,
                          message);
    }
    const short events = polling == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    if (absl::Status ready = WaitSocket(conn.get(), events, deadline); !ready.ok()) {
      return absl::DeadlineExceededError(
          absl::StrCat("connecting to ", endpoint.host, ":", endpoint.port, " timed out"));
    }
    polling = PQconnectPoll(conn.get());
  }
  if (PQsetnonblocking(conn.get(), 1) != 0) {
    return absl::InternalError(ConnectionError(conn.get()));
  }
  return PoolConnection(std::move(conn));
}

absl::StatusOr<QueryRows> PoolConnection::Query(const std::string& sql,
                                                const std::vector<std::string>& params,
                                                absl::Time deadline) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& param : params) values.push_back(param.c_str());
  if (!PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                         values.data(), nullptr, nullptr, /*resultFormat=*/0)) {
    return absl::UnavailableError(ConnectionError(conn_.get()));
  }
  return Collect(conn_.get(), deadline);
}

absl::Status PoolConnection::Execute(const std::string& sql, absl::Time deadline) {
  if (!PQsendQuery(conn_.get(), sql.c_str())) {
    return absl::UnavailableError(ConnectionError(conn_.get()));
  }
  return Collect(conn_.get(), deadline).status();
}

absl::StatusOr<std::string> PoolConnection::QuoteIdentifier(const std::string& identifier) {
  char* quoted = PQescapeIdentifier(conn_.get(), identifier.data(), identifier.size());
  if (quoted == nullptr) return absl::InvalidArgumentError(ConnectionError(conn_.get()));
  std::string result(quoted);
  PQfreemem(quoted);
  return result;
}

}  // namespace dbs::database_service
