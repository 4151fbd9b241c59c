// deploy/sql/grants.sql on a real PostgreSQL, applied the way the Kubernetes schema job
// applies it: `instance-service migrate` as the owner, then grants.sql and
// verify-grants.sql through psql. Each test case gets its own scratch database and its
// own uniquely named roles (roles are cluster-wide, tests run in parallel), which are
// dropped afterwards.
//
// Before the grants, the legacy role is given what the old 08-schema-job gave
// database-service (CONNECT, every table privilege, default privileges), so the tests
// show grants.sql taking an existing grant away, not just not adding one.
#include <libpq-fe.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "errors/error_status.h"
#include "instance_service/repository/postgres_db_server_repository.h"
#include "pq/pg_pool.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::testing::AdminConnectionString;
using dbs::testing::QueryScalar;
using dbs::testing::ScratchDatabase;

constexpr char kInsufficientPrivilege[] = "42501";
constexpr char kForeignKeyViolation[] = "23503";

// What one SQL statement did, for asserting on errors as well as successes.
struct Outcome {
  bool ok = false;
  std::string sqlstate;  // "" on success or when there is none (connection errors)
  std::string message;
};

std::ostream& operator<<(std::ostream& out, const Outcome& outcome) {
  return out << (outcome.ok ? "ok" : "error") << " [" << outcome.sqlstate << "] "
             << outcome.message;
}

// Connects with `conninfo` and runs `sql` (several statements allowed).
Outcome Run(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return {false, "", PQerrorMessage(conn.get())};
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {true, "", ""};
  const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  return {false, sqlstate ? sqlstate : "", PQresultErrorMessage(result.get())};
}

// A folder for files a test writes: $TMPDIR or /tmp.
std::string testing_tmpdir() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir ? dir : "/tmp";
}

// Runs a shell command line; returns its exit status (or -1 if it did not exit).
int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Single-quotes `value` for /bin/sh.
std::string Quoted(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Two LOGIN roles named for this test only, dropped (after the database that holds
// their privileges) when the test ends. Declared before the ScratchDatabase that
// uses them, so it is destroyed after it.
class TestRoles {
 public:
  TestRoles() : admin_(AdminConnectionString()) {
    absl::BitGen random;
    const std::string suffix = absl::StrCat(absl::Uniform<uint32_t>(random));
    service_ = "grants_test_svc_" + suffix;
    legacy_ = "grants_test_legacy_" + suffix;
    QueryScalar(admin_,
                absl::StrCat("CREATE ROLE ", service_, " LOGIN; CREATE ROLE ", legacy_, " LOGIN"));
  }
  ~TestRoles() {
    // Silent best effort: the scratch database (and every privilege in it) is gone by now.
    Run(admin_, absl::StrCat("DROP ROLE IF EXISTS ", service_, "; DROP ROLE IF EXISTS ", legacy_));
  }
  const std::string& service() const { return service_; }
  const std::string& legacy() const { return legacy_; }

 private:
  std::string admin_;
  std::string service_;
  std::string legacy_;
};

// A migrated instance database whose legacy role holds the old world's grants.
class InstanceDatabase {
 public:
  InstanceDatabase() {
    // The schema job's first step, with the same binary: migrations as the owner.
    const int migrate =
        Shell(absl::StrCat("INSTANCE_SERVICE_DATABASE_URL=", Quoted(db_.connection_string()), " ",
                           Quoted(DBS_INSTANCE_SERVICE_BINARY), " migrate"));
    REQUIRE(migrate == 0);
    // What the old 08-schema-job granted database-service.
    const std::string legacy = roles_.legacy();
    Outcome old_world = Run(
        admin(),
        absl::StrCat("GRANT CONNECT, TEMPORARY ON DATABASE ", db_.name(), " TO ", legacy, ";",
                     "GRANT USAGE ON SCHEMA public TO ", legacy, ";",
                     "GRANT ALL ON ALL TABLES IN SCHEMA public TO ", legacy, ";",
                     "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO ", legacy));
    REQUIRE(old_world.ok);
    REQUIRE(Run(As(legacy), "SELECT count(*) FROM db_servers").ok);
  }

  // psql -f FILE against this database with the test's role names (`extra` comes
  // later, so it can override them); the exit status.
  int Psql(const std::string& file, const std::string& extra = "") const {
    return Shell(absl::StrCat(Quoted(DBS_PSQL), " ", Quoted(db_.connection_string()),
                              " -X -q -v ON_ERROR_STOP=1 -v instance_role=", roles_.service(),
                              " -v legacy_role=", roles_.legacy(), " ", extra, " -f ",
                              Quoted(file)));
  }
  int ApplyGrants() const { return Psql(DBS_GRANTS_SQL, "--single-transaction"); }
  int VerifyGrants() const { return Psql(DBS_VERIFY_GRANTS_SQL); }

  const std::string& admin() const { return db_.connection_string(); }
  // This database, logged in as `role`.
  std::string As(const std::string& role) const {
    return absl::StrCat(db_.connection_string(), " user=", role);
  }
  // This database as the superuser acting as `role` (SET ROLE): the privilege checks
  // of `role` without needing its CONNECT.
  Outcome RunAs(const std::string& role, const std::string& sql) const {
    return Run(admin(), absl::StrCat("SET ROLE ", role, "; ", sql));
  }
  const TestRoles& roles() const { return roles_; }
  const std::string& name() const { return db_.name(); }

 private:
  TestRoles roles_;
  ScratchDatabase db_;
};

constexpr char kInsertPool[] =
    "INSERT INTO db_servers (display_name, host, port, server_type, max_instances) "
    "VALUES ('pool-a', '10.0.0.1', 5432, 'postgres', 10)";

TEST_CASE("grants: instance_service can run what the repository runs") {
  InstanceDatabase db;
  REQUIRE(db.ApplyGrants() == 0);
  const std::string service = db.As(db.roles().service());

  // db_servers: every kind of statement the repository sends.
  CHECK(Run(service, kInsertPool).ok);
  CHECK(Run(service,
            "SELECT id, display_name, version FROM db_servers "
            "WHERE state = 'ACTIVE' ORDER BY id LIMIT 10")
            .ok);
  CHECK(Run(service,
            "UPDATE db_servers SET state = 'ACTIVE', health = 'HEALTHY', "
            "version = version + 1, update_time = now() "
            "WHERE display_name = 'pool-a'")
            .ok);
  // Allocate: row locks need UPDATE as well as SELECT.
  CHECK(Run(service,
            "BEGIN; SELECT id FROM db_servers WHERE instance_count < max_instances "
            "ORDER BY instance_count FOR UPDATE SKIP LOCKED LIMIT 1; "
            "UPDATE db_servers SET instance_count = instance_count + 1 "
            "WHERE display_name = 'pool-a'; COMMIT")
            .ok);
  // The deadline the repository sets on every transaction.
  CHECK(Run(service,
            "BEGIN; SET LOCAL statement_timeout = 5000; "
            "SELECT count(*) FROM db_servers; COMMIT")
            .ok);

  // request_ids: claim (ON CONFLICT), replay lookup, record the result, purge.
  const std::string request = "'8a8bd4c5-36c6-4c1e-8d8e-3b5a0b1e2f10'";
  CHECK(Run(service, absl::StrCat("INSERT INTO request_ids (request_id, fingerprint) VALUES (",
                                  request, ", 'Create:abc') ON CONFLICT DO NOTHING"))
            .ok);
  CHECK(Run(service, absl::StrCat("SELECT fingerprint, result FROM request_ids "
                                  "WHERE request_id = ",
                                  request))
            .ok);
  CHECK(Run(service, absl::StrCat("UPDATE request_ids SET result = '{}'::jsonb "
                                  "WHERE request_id = ",
                                  request))
            .ok);
  CHECK(Run(service, "DELETE FROM request_ids WHERE created_at < now() - interval '24 hours'").ok);

  // instances and the migration ledger: read only.
  CHECK(Run(service, "SELECT 1 FROM instances WHERE db_server_id IS NOT NULL LIMIT 1").ok);
  CHECK(Run(service, "SELECT max(version) FROM schema_migrations").ok);
  Outcome write_instances = Run(service, "INSERT INTO instances (name) VALUES ('tenant-1')");
  CHECK(write_instances.sqlstate == kInsufficientPrivilege);
  Outcome write_ledger = Run(service, "DELETE FROM schema_migrations");
  CHECK(write_ledger.sqlstate == kInsufficientPrivilege);

  // Delete of a pool an instance references: the FK (checked as the table owner)
  // answers, not a missing privilege.
  REQUIRE(Run(db.admin(),
              "INSERT INTO instances (name, db_server_id) "
              "SELECT 'tenant-2', id FROM db_servers WHERE display_name = 'pool-a'")
              .ok);
  Outcome in_use = Run(service, "DELETE FROM db_servers WHERE display_name = 'pool-a'");
  INFO(in_use);
  CHECK(in_use.sqlstate == kForeignKeyViolation);
  REQUIRE(Run(db.admin(), "DELETE FROM instances").ok);
  CHECK(Run(service, "DELETE FROM db_servers WHERE display_name = 'pool-a'").ok);

  // ...and nothing beyond: no DDL, no TRUNCATE.
  CHECK(Run(service, "CREATE TABLE mine (x int)").sqlstate == kInsufficientPrivilege);
  CHECK(Run(service, "TRUNCATE db_servers").sqlstate == kInsufficientPrivilege);
  CHECK(Run(service, "ALTER TABLE db_servers ADD COLUMN x int").sqlstate == kInsufficientPrivilege);
}

// Every repository method, the real PostgresDbServerRepository, logged in as the
// instance_service role: the grants cover each statement it sends (a missing
// privilege would surface as INTERNAL, not as the documented answer).
TEST_CASE("grants: the real repository runs every call as instance_service") {
  using namespace dbs::instance;  // NOLINT: test brevity
  InstanceDatabase db;
  REQUIRE(db.ApplyGrants() == 0);
  dbs::pq::PgPoolOptions options;
  options.conninfo = db.As(db.roles().service());
  options.max_connections = 2;
  dbs::pq::PgPool pool(options);
  PostgresDbServerRepository repository(&pool);
  RepositoryCall call;
  call.deadline = absl::Now() + absl::Seconds(30);
  int next_request = 0;
  auto request = [&next_request](const std::string& method) {
    return std::optional<RequestIdentity>(RequestIdentity{
        absl::StrCat("00000000-0000-4000-8000-", absl::StrFormat("%012d", ++next_request)),
        method});
  };

  NewDbServer pool_a;
  pool_a.display_name = "pool-a";
  pool_a.host = "10.0.0.1";
  pool_a.port = 5432;
  pool_a.server_type = "postgres";
  pool_a.max_instances = 10;
  pool_a.labels = {{"zone", "a"}};
  auto created = repository.Create(pool_a, request("Create"), call);
  REQUIRE(created.ok());
  const std::string id = created->id;
  CHECK(repository.Get(id, call).ok());

  ListQuery query;
  FilterTerm label;
  label.field = FilterField::kLabel;
  label.label_key = "zone";
  label.value = "a";
  query.terms.push_back(label);
  auto listed = repository.List(query, call);
  INFO("List: " << listed.status());
  CHECK(listed.ok());

  DbServerChanges changes;
  changes.state = DbServerState::kActive;
  changes.health = DbServerHealth::kHealthy;
  changes.last_health_check_time = absl::Now();
  dbs::instance::UpdateRules rules;
  rules.allowed_from = {DbServerState::kProvisioning};
  auto updated = repository.Update(id, changes, created->version, rules, request("Update"), call);
  INFO("Update: " << updated.status());
  CHECK(updated.ok());

  auto found = repository.FindAvailable("postgres", call);
  INFO("FindAvailable: " << found.status());
  CHECK(found.ok());
  auto incremented = repository.Increment(id, request("Increment"), call);
  INFO("Increment: " << incremented.status());
  CHECK(incremented.ok());
  auto allocated = repository.Allocate("postgres", request("Allocate"), call);
  INFO("Allocate: " << allocated.status());
  CHECK(allocated.ok());
  for (int i = 0; i < 2; ++i) {
    auto decremented = repository.Decrement(id, request("Decrement"), call);
    INFO("Decrement: " << decremented.status());
    CHECK(decremented.ok());
  }
  auto purged = repository.PurgeExpiredRequestIds(call);
  INFO("PurgeExpiredRequestIds: " << purged.status());
  CHECK(purged.ok());

  // Delete while an instance references the pool: the documented answer, not a
  // permission error; then the real delete.
  REQUIRE(Run(db.admin(), absl::StrCat("INSERT INTO instances (name, db_server_id) VALUES "
                                       "('tenant-1', '",
                                       id, "')"))
              .ok);
  absl::Status in_use = repository.Delete(id, std::nullopt, false, request("Delete"), call);
  INFO("Delete in use: " << in_use);
  CHECK(in_use.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(dbs::errors::ReasonOf(in_use) == ::instance::v1::DB_SERVER_IN_USE);
  REQUIRE(Run(db.admin(), "DELETE FROM instances").ok);
  absl::Status deleted = repository.Delete(id, std::nullopt, false, request("Delete"), call);
  INFO("Delete: " << deleted);
  CHECK(deleted.ok());
}

// The legacy role is kept out three times over: no CONNECT (next test case), no USAGE
// on the schema, and no privilege on the tables themselves. Each layer is checked on
// its own: the table layer with schema USAGE handed back inside a transaction that is
// never committed.
TEST_CASE("grants: database_service gets permission denied on db_servers") {
  InstanceDatabase db;
  REQUIRE(Run(db.admin(), kInsertPool).ok);
  REQUIRE(db.ApplyGrants() == 0);
  const std::string legacy = db.roles().legacy();

  SECTION("the schema") {
    Outcome select = db.RunAs(legacy, "SELECT * FROM public.db_servers");
    INFO("SELECT: " << select);
    CHECK(select.sqlstate == kInsufficientPrivilege);
    CHECK(absl::StrContains(select.message, "permission denied for schema public"));
  }

  SECTION("the table, even with the schema usable") {
    const auto as_legacy_with_schema = [&](const std::string& sql) {
      return Run(db.admin(), absl::StrCat("BEGIN; GRANT USAGE ON SCHEMA public TO ", legacy,
                                          "; SET LOCAL ROLE ", legacy, "; ", sql));
    };
    Outcome select = as_legacy_with_schema("SELECT * FROM db_servers");
    INFO("SELECT: " << select);
    CHECK(select.sqlstate == kInsufficientPrivilege);
    CHECK(absl::StrContains(select.message, "permission denied for table db_servers"));

    Outcome insert = as_legacy_with_schema(
        "INSERT INTO db_servers (display_name, host, port, server_type, max_instances) "
        "VALUES ('pool-legacy', '10.0.0.2', 5432, 'postgres', 10)");
    INFO("INSERT: " << insert);
    CHECK(insert.sqlstate == kInsufficientPrivilege);
    CHECK(absl::StrContains(insert.message, "permission denied for table db_servers"));

    Outcome update =
        as_legacy_with_schema("UPDATE db_servers SET instance_count = instance_count + 1");
    INFO("UPDATE: " << update);
    CHECK(update.sqlstate == kInsufficientPrivilege);
    CHECK(absl::StrContains(update.message, "permission denied for table db_servers"));

    // Nor the other tables, or a table a later migration creates (default privileges).
    for (const char* table : {"instances", "request_ids", "schema_migrations"}) {
      Outcome other = as_legacy_with_schema(absl::StrCat("SELECT * FROM ", table));
      INFO(table << ": " << other);
      CHECK(other.sqlstate == kInsufficientPrivilege);
    }
    REQUIRE(Run(db.admin(), "CREATE TABLE later_migration (x int)").ok);
    Outcome later = as_legacy_with_schema("SELECT * FROM later_migration");
    INFO("later_migration: " << later);
    CHECK(later.sqlstate == kInsufficientPrivilege);
  }
  // The grant handed back above was never committed.
  CHECK(QueryScalar(db.admin(), absl::StrCat("SELECT has_schema_privilege('", legacy,
                                             "', 'public', 'USAGE')")) == "f");
}

TEST_CASE("grants: database_service cannot connect to the instance database") {
  InstanceDatabase db;
  REQUIRE(db.ApplyGrants() == 0);

  Outcome legacy = Run(db.As(db.roles().legacy()), "SELECT 1");
  INFO(legacy);
  CHECK_FALSE(legacy.ok);
  CHECK(absl::StrContains(legacy.message, "permission denied for database"));
  // PUBLIC lost CONNECT too: a role nobody mentioned is kept out as well.
  CHECK(QueryScalar(db.admin(), absl::StrCat("SELECT has_database_privilege('public', '", db.name(),
                                             "', 'CONNECT')")) == "f");
  // The service still gets in.
  CHECK(Run(db.As(db.roles().service()), "SELECT 1").ok);
}

TEST_CASE("grants: idempotent, and verify-grants.sql accepts the result") {
  InstanceDatabase db;
  const std::string acl_snapshot =
      "SELECT string_agg(relname || '=' || coalesce(relacl::text, '-'), ' ' ORDER BY relname) "
      "  FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
      "UNION ALL SELECT datacl::text FROM pg_database WHERE datname = current_database() "
      "UNION ALL SELECT coalesce(string_agg(defaclacl::text, ' '), '-') FROM pg_default_acl";
  const std::string snapshot_query =
      absl::StrCat("SELECT string_agg(s, ' | ') FROM (", acl_snapshot, ") AS t(s)");

  CHECK(db.VerifyGrants() != 0);  // the old world's grants are still there
  REQUIRE(db.ApplyGrants() == 0);
  const std::string first = QueryScalar(db.admin(), snapshot_query);
  REQUIRE(db.ApplyGrants() == 0);
  CHECK(QueryScalar(db.admin(), snapshot_query) == first);
  CHECK(db.VerifyGrants() == 0);
  // The legacy role's default privilege is gone, not just its current grants.
  CHECK(absl::StrContains(first, db.roles().service()));
  CHECK_FALSE(absl::StrContains(first, db.roles().legacy()));
}

TEST_CASE("grants: verify-grants.sql fails when a database_service grant is put back") {
  InstanceDatabase db;
  REQUIRE(db.ApplyGrants() == 0);
  REQUIRE(db.VerifyGrants() == 0);
  REQUIRE(Run(db.admin(), absl::StrCat("GRANT SELECT ON db_servers TO ", db.roles().legacy())).ok);
  CHECK(db.VerifyGrants() != 0);
  // Membership in the service role would lend it the service's grants: caught too.
  REQUIRE(
      Run(db.admin(), absl::StrCat("REVOKE SELECT ON db_servers FROM ", db.roles().legacy(),
                                   "; GRANT ", db.roles().service(), " TO ", db.roles().legacy()))
          .ok);
  CHECK(db.VerifyGrants() != 0);
  // grants.sql takes the membership away again.
  REQUIRE(db.ApplyGrants() == 0);
  CHECK(db.VerifyGrants() == 0);
}

TEST_CASE("grants: the snapshot taken before step 5 rolls the revocation back") {
  InstanceDatabase db;
  const std::string rollback = absl::StrCat(testing_tmpdir(), "/", db.name(), "-rollback.sql");
  // deploy/MIGRATION.md step 5: snapshot the legacy grants, then revoke them.
  REQUIRE(db.Psql(DBS_SNAPSHOT_LEGACY_GRANTS_SQL, "-At -o " + Quoted(rollback)) == 0);
  REQUIRE(db.ApplyGrants() == 0);
  REQUIRE(Run(db.As(db.roles().legacy()), "SELECT 1").ok == false);
  // Rollback: the snapshot gives the old database-service its access back...
  CHECK(db.Psql(rollback, "--single-transaction") == 0);
  CHECK(Run(db.As(db.roles().legacy()), "SELECT count(*) FROM db_servers").ok);
  CHECK(Run(db.As(db.roles().legacy()), "UPDATE db_servers SET version = version").ok);
  // ...and running step 5 again takes it away again.
  REQUIRE(db.ApplyGrants() == 0);
  CHECK(db.VerifyGrants() == 0);
  std::remove(rollback.c_str());
}

TEST_CASE("grants: a cluster without the database_service role is fine") {
  InstanceDatabase db;
  REQUIRE(db.Psql(DBS_GRANTS_SQL, "--single-transaction -v legacy_role=no_such_role_here") == 0);
  CHECK(db.Psql(DBS_VERIFY_GRANTS_SQL, "-v legacy_role=no_such_role_here") == 0);
}

}  // namespace
