#include "tests/bench/bench_fixture.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libpq-fe.h"

namespace dbs::bench {
namespace {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, PgResultDeleter>;

absl::StatusOr<Result> Exec(PGconn* conn, const std::string& sql) {
  Result result(PQexec(conn, sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return absl::InternalError(absl::StrCat("bench setup: ", PQerrorMessage(conn)));
  }
  return result;
}

}  // namespace

absl::Status SeedPools(const std::string& conninfo, int64_t pools) {
  std::unique_ptr<PGconn, PgConnDeleter> conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("bench setup: ", PQerrorMessage(conn.get())));
  }
  const std::string sql = absl::StrCat(
      "TRUNCATE request_ids; DELETE FROM instances; DELETE FROM db_servers;"
      "INSERT INTO db_servers (display_name, host, port, server_type, state, health,"
      " max_instances, labels)"
      " SELECT 'pool-' || g, 'h' || g, 5432,"
      " CASE WHEN g % 2 = 0 THEN 'postgres' ELSE 'mysql' END, 'ACTIVE', 'HEALTHY',"
      " 1000000000, jsonb_build_object('zone', 'z' || (g % 3))"
      " FROM generate_series(1, ",
      pools,
      ") AS g;"
      "CREATE INDEX IF NOT EXISTS bench_direct_sql_available_idx"
      " ON db_servers (server_type, state, health, instance_count);");
  if (auto done = Exec(conn.get(), sql); !done.ok()) return done.status();
  // Outside a transaction block: VACUUM refuses to run inside one.
  return Exec(conn.get(), "VACUUM ANALYZE db_servers").status();
}

absl::StatusOr<PoolSet> LoadPools(const std::string& conninfo) {
  std::unique_ptr<PGconn, PgConnDeleter> conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("bench setup: ", PQerrorMessage(conn.get())));
  }
  auto rows = Exec(conn.get(),
                   "SELECT id::text, display_name FROM db_servers WHERE server_type = 'postgres'"
                   " ORDER BY display_name");
  if (!rows.ok()) return rows.status();
  PoolSet pools;
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    pools.ids.emplace_back(PQgetvalue(rows->get(), row, 0));
    pools.names.emplace_back(PQgetvalue(rows->get(), row, 1));
  }
  if (pools.ids.empty()) return absl::FailedPreconditionError("bench setup: no postgres pools");
  return pools;
}

absl::Status WaitForBackendsToExit(const std::string& conninfo, int max_backends,
                                   absl::Duration timeout) {
  std::unique_ptr<PGconn, PgConnDeleter> conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("bench setup: ", PQerrorMessage(conn.get())));
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    auto count = Exec(
        conn.get(), "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'");
    if (!count.ok()) return count.status();
    if (std::stoi(PQgetvalue(count->get(), 0, 0)) <= max_backends) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("bench setup: backends of the last run did not exit");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace dbs::bench
