// PostgresPoolAdmin against a real PostgreSQL server acting as a pool: the
// fixture's cluster (tenant names are random, so tests may run in parallel).
#include <catch2/catch.hpp>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "database_service/pool_admin/postgres_pool_admin.h"
#include "tests/support/free_port.h"
#include "tests/support/silent_listener.h"
#include "tests/support/test_postgres.h"

namespace dbs::database_service {
namespace {

using dbs::testing::AdminConnectionString;
using dbs::testing::QueryScalar;
using dbs::testing::SilentListener;

// The fixture server's host and port, read from its libpq connection string.
PoolEndpoint FixtureEndpoint() {
  PoolEndpoint endpoint;
  for (absl::string_view pair : absl::StrSplit(AdminConnectionString(), ' ')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.first == "host") endpoint.host = kv.second;
    if (kv.first == "port") REQUIRE(absl::SimpleAtoi(kv.second, &endpoint.port));
  }
  return endpoint;
}

std::string UniqueName(const char* prefix) {
  absl::BitGen random;
  return absl::StrCat(prefix, absl::Uniform<uint32_t>(random));
}

// The callers' deadline in these tests: far enough that the admin's own timeouts
// decide, as for a caller without one.
absl::Time CallerDeadline() { return absl::Now() + absl::Seconds(60); }

PostgresPoolAdmin MakeAdmin() {
  PostgresPoolAdminOptions options;
  options.probe_timeout = absl::Milliseconds(500);
  options.connect_timeout = absl::Milliseconds(500);
  return PostgresPoolAdmin(options);
}

TEST_CASE("Inspect reports the server version and that the admin may create tenants") {
  auto info = MakeAdmin().Inspect(FixtureEndpoint(), CallerDeadline());
  REQUIRE(info.ok());
  CHECK(info->version_num >= 150000);
  CHECK_FALSE(info->version.empty());
  CHECK(info->can_create_tenants);
}

TEST_CASE("Inspect refuses a server older than the configured minimum") {
  PostgresPoolAdminOptions options;
  options.min_server_version_num = 990000;
  auto info = PostgresPoolAdmin(options).Inspect(FixtureEndpoint(), CallerDeadline());
  REQUIRE(info.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(info.status().message()), Catch::Contains("older than the minimum"));
}

TEST_CASE("Inspect refuses an admin role that may not create databases") {
  const std::string role = UniqueName("limited_");
  QueryScalar(AdminConnectionString(), absl::StrCat("CREATE ROLE ", role, " LOGIN"));
  PostgresPoolAdminOptions options;
  options.credentials.user = role;
  auto info = PostgresPoolAdmin(options).Inspect(FixtureEndpoint(), CallerDeadline());
  QueryScalar(AdminConnectionString(), absl::StrCat("DROP ROLE ", role));
  REQUIRE(info.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("Probe answers with the round-trip latency of a live server") {
  auto latency = MakeAdmin().Probe(FixtureEndpoint(), CallerDeadline());
  REQUIRE(latency.ok());
  CHECK(*latency > absl::ZeroDuration());
  CHECK(*latency < absl::Milliseconds(500));
}

TEST_CASE("Probe of a closed port fails fast with UNAVAILABLE") {
  const absl::Time start = absl::Now();
  auto latency =
      MakeAdmin().Probe({"127.0.0.1", dbs::testing::PickFreeLoopbackPort()}, CallerDeadline());
  CHECK(latency.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::Now() - start < absl::Milliseconds(400));
}

TEST_CASE("Probe of a server that never answers gives up at the probe timeout") {
  SilentListener silent;
  const absl::Time start = absl::Now();
  auto latency = MakeAdmin().Probe({"127.0.0.1", silent.port()}, CallerDeadline());
  const absl::Duration took = absl::Now() - start;
  CHECK(latency.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(took >= absl::Milliseconds(450));
  CHECK(took < absl::Milliseconds(1500));
}

TEST_CASE("The caller's deadline bounds a pool operation below the admin's own timeouts") {
  SilentListener silent;
  PostgresPoolAdminOptions options;
  options.connect_timeout = absl::Seconds(5);
  PostgresPoolAdmin admin(options);
  const absl::Time start = absl::Now();
  auto tenant = admin.CreateTenantDatabase({"127.0.0.1", silent.port()}, UniqueName("t_deadline_"),
                                           start + absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - start;
  CHECK(tenant.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(took >= absl::Milliseconds(150));
  CHECK(took < absl::Seconds(2));
}

TEST_CASE("CreateTenantDatabase creates the database owned by the tenant's NOLOGIN role") {
  PostgresPoolAdmin admin = MakeAdmin();
  const std::string name = UniqueName("tenant_");
  auto tenant = admin.CreateTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
  REQUIRE(tenant.ok());
  CHECK(tenant->created);
  CHECK(tenant->owner_role == name + "_owner");
  CHECK(
      QueryScalar(AdminConnectionString(),
                  absl::StrCat("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '",
                               name, "'")) == name + "_owner");
  CHECK(QueryScalar(AdminConnectionString(),
                    absl::StrCat("SELECT rolcanlogin FROM pg_roles WHERE rolname = '", name,
                                 "_owner'")) == "f");

  SECTION("a second call for the same tenant succeeds without creating anything") {
    auto again = admin.CreateTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
    REQUIRE(again.ok());
    CHECK_FALSE(again->created);
  }
  SECTION("the role cannot be dropped while it owns the database") {
    CHECK(admin.DropTenantRole(FixtureEndpoint(), name, CallerDeadline()).code() ==
          absl::StatusCode::kFailedPrecondition);
  }
  SECTION("DropTenantDatabase removes the database and leaves the role as a marker") {
    auto dropped = admin.DropTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
    REQUIRE(dropped.ok());
    CHECK(dropped->database_existed);
    CHECK(dropped->role_exists);
    CHECK(QueryScalar(AdminConnectionString(),
                      absl::StrCat("SELECT count(*) FROM pg_database WHERE datname = '", name,
                                   "'")) == "0");
    auto again = admin.DropTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
    REQUIRE(again.ok());
    CHECK_FALSE(again->database_existed);
    CHECK(again->role_exists);

    SECTION("then DropTenantRole removes the role, and is a no-op the second time") {
      REQUIRE(admin.DropTenantRole(FixtureEndpoint(), name, CallerDeadline()).ok());
      REQUIRE(admin.DropTenantRole(FixtureEndpoint(), name, CallerDeadline()).ok());
      auto gone = admin.DropTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
      REQUIRE(gone.ok());
      CHECK_FALSE(gone->database_existed);
      CHECK_FALSE(gone->role_exists);
    }
  }
  (void)admin.DropTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
  (void)admin.DropTenantRole(FixtureEndpoint(), name, CallerDeadline());
}

TEST_CASE(
    "CreateTenantDatabase on a name taken by another owner is ALREADY_EXISTS and leaves no role") {
  const std::string name = UniqueName("taken_");
  QueryScalar(AdminConnectionString(), absl::StrCat("CREATE DATABASE ", name));
  PostgresPoolAdmin admin = MakeAdmin();
  auto tenant = admin.CreateTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
  CHECK(tenant.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(QueryScalar(AdminConnectionString(),
                    absl::StrCat("SELECT count(*) FROM pg_roles WHERE rolname = '", name,
                                 "_owner'")) == "0");

  SECTION("and DropTenantDatabase refuses to drop it") {
    auto dropped = admin.DropTenantDatabase(FixtureEndpoint(), name, CallerDeadline());
    CHECK(dropped.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(QueryScalar(AdminConnectionString(),
                      absl::StrCat("SELECT count(*) FROM pg_database WHERE datname = '", name,
                                   "'")) == "1");
  }
  QueryScalar(AdminConnectionString(), absl::StrCat("DROP DATABASE ", name));
}

TEST_CASE("Tenant names that could escape quoting or hit system databases are rejected") {
  PostgresPoolAdmin admin = MakeAdmin();
  for (const char* name :
       {"", "Tenant", "a\"; DROP DATABASE postgres; --", "1abc", "postgres", "template1",
        "pg_database", "a234567890123456789012345678901234567890123456789012345678"}) {
    CAPTURE(name);
    CHECK(admin.CreateTenantDatabase(FixtureEndpoint(), name, CallerDeadline()).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(admin.DropTenantDatabase(FixtureEndpoint(), name, CallerDeadline()).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(admin.DropTenantRole(FixtureEndpoint(), name, CallerDeadline()).code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace dbs::database_service
