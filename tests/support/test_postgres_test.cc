// The test harness itself: the fixture's server is a real PostgreSQL 15 and each
// ScratchDatabase is private to its test.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "tests/support/test_postgres.h"

using dbs::testing::AdminConnectionString;
using dbs::testing::QueryScalar;
using dbs::testing::ScratchDatabase;

TEST_CASE("the fixture's server is a real PostgreSQL 15 on loopback") {
  const std::string conninfo = AdminConnectionString();
  CHECK(absl::StartsWith(QueryScalar(conninfo, "SHOW server_version"), "15."));
  CHECK(QueryScalar(conninfo, "SELECT inet_server_addr()::text") == "127.0.0.1/32");
}

TEST_CASE("a scratch database keeps its rows to itself and is dropped afterwards") {
  std::string name;
  {
    ScratchDatabase first;
    ScratchDatabase second;
    name = first.name();
    QueryScalar(first.connection_string(), "CREATE TABLE t (x int); INSERT INTO t VALUES (42)");
    CHECK(QueryScalar(first.connection_string(), "SELECT x FROM t") == "42");
    CHECK(QueryScalar(second.connection_string(), "SELECT to_regclass('t') IS NULL") == "t");
  }
  CHECK(QueryScalar(AdminConnectionString(),
                    "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "0");
}
