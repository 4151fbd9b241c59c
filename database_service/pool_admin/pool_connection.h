#ifndef DATABASE_SERVICE_POOL_ADMIN_POOL_CONNECTION_H_
#define DATABASE_SERVICE_POOL_ADMIN_POOL_CONNECTION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "database_service/pool_admin/pool_endpoint.h"

// libpq's handle, forward-declared so that libpq-fe.h stays out of this header.
struct pg_conn;

namespace dbs::database_service {

// The rows of a query, every value as text; SQL NULL reads as "".
using QueryRows = std::vector<std::vector<std::string>>;

// One libpq connection to a pool server's `postgres` database as the admin role,
// owned (closed on destruction). Every operation is bounded by a deadline, using
// libpq's non-blocking API: a server that stops answering costs at most the time
// left, never a hung thread.
//
// Errors: UNAVAILABLE when the server cannot be reached or the connection
// breaks; DEADLINE_EXCEEDED when the deadline passes (a running statement is
// cancelled); other codes from the statement's SQLSTATE (see MapSqlState).
// Messages never contain the password.
//
// Not thread-safe: one connection, one thread at a time.
class PoolConnection {
 public:
  // Connects, authenticating with `credentials`, before `deadline`.
  static absl::StatusOr<PoolConnection> Open(const PoolEndpoint& endpoint,
                                             const PoolCredentials& credentials,
                                             absl::Time deadline);

  PoolConnection(PoolConnection&&) noexcept;
  PoolConnection& operator=(PoolConnection&&) noexcept;
  ~PoolConnection();

  // Runs `sql` with `$1..$n` bound to `params` (extended protocol) and returns
  // its rows; a statement without rows returns none.
  absl::StatusOr<QueryRows> Query(const std::string& sql, const std::vector<std::string>& params,
                                  absl::Time deadline);

  // Runs one utility statement through the simple protocol (CREATE/DROP
  // DATABASE must not run in a transaction block). Build it with
  // QuoteIdentifier(); never splice input into it otherwise.
  absl::Status Execute(const std::string& sql, absl::Time deadline);

  // `identifier` quoted for SQL by libpq (PQescapeIdentifier).
  absl::StatusOr<std::string> QuoteIdentifier(const std::string& identifier);

 private:
  struct Closer {
    void operator()(pg_conn* conn) const;
  };
  explicit PoolConnection(std::unique_ptr<pg_conn, Closer> conn) : conn_(std::move(conn)) {}

  std::unique_ptr<pg_conn, Closer> conn_;
};

// The canonical code for a PostgreSQL SQLSTATE: 42P04/42710 (duplicate
// database/object) ALREADY_EXISTS, 3D000/42704 NOT_FOUND, 42501 and 28xxx
// PERMISSION_DENIED, 57014 DEADLINE_EXCEEDED, 08xxx/57P0x/53xxx UNAVAILABLE,
// 55006 (object in use) FAILED_PRECONDITION, anything else INTERNAL.
absl::StatusCode MapSqlState(const std::string& sqlstate);

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_POOL_ADMIN_POOL_CONNECTION_H_
