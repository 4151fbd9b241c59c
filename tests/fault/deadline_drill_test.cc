// Drill: a 50 ms call against a row another transaction holds locked ends with
// DEADLINE_EXCEEDED after about 50 ms, and its SQL is cancelled in PostgreSQL
// (pg_stat_activity shows no statement of instance-service still waiting), so the
// increment never lands.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "libpq-fe.h"
#include "tests/client/real_instance_service.h"
#include "tests/fault/drill_support.h"
#include "tests/support/client_pools.h"
#include "tests/support/test_postgres.h"

namespace {

constexpr char kWaitingStatements[] =
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'instance-service'"
    " AND state = 'active' AND wait_event_type = 'Lock'";

}  // namespace

TEST_CASE("A 50 ms call on a locked row is DEADLINE_EXCEEDED in about 50 ms, its SQL cancelled") {
  dbs::client::RealInstanceService server;
  const auto client = server.Client();
  const auto pool = dbs::testing::CreateActivePool(client, "pool", 10);

  PGconn* holder = PQconnectdb(server.database_url().c_str());
  REQUIRE(PQstatus(holder) == CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN"));
  PQclear(PQexec(holder, "SELECT 1 FROM db_servers FOR UPDATE"));

  dbs::client::CallOptions call;
  call.timeout = absl::Milliseconds(50);
  const absl::Time started = absl::Now();
  const absl::Status status = client.IncrementInstanceCount(pool.id(), call).status();
  const absl::Duration took = absl::Now() - started;
  CHECK(status.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(took >= absl::Milliseconds(45));
  CHECK(took <= absl::Milliseconds(250));

  // The server's statement ends at the same deadline (its statement_timeout), not
  // when the lock goes: within a moment no statement of it waits any more.
  const absl::Time limit = absl::Now() + absl::Milliseconds(500);
  std::string waiting = dbs::testing::QueryScalar(server.database_url(), kWaitingStatements);
  while (waiting != "0" && absl::Now() < limit) {
    waiting = dbs::testing::QueryScalar(server.database_url(), kWaitingStatements);
  }
  CHECK(waiting == "0");

  PQclear(PQexec(holder, "COMMIT"));
  PQfinish(holder);
  CHECK(dbs::testing::QueryScalar(server.database_url(), "SELECT instance_count FROM db_servers") ==
        "0");
}
