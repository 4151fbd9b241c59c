// Migrations on a real PostgreSQL: a fresh database, a second run, two concurrent
// runs, and adopting the legacy table of the old Python database-service.
#include <cstdint>
#include <string>
#include <thread>

#include "absl/random/random.h"

#include <catch2/catch.hpp>

#include "instance_service/migrations/embedded_migrations.h"
#include "instance_service/migrations/migrator.h"
#include "tests/fixtures/legacy_instance_db.h"
#include "tests/instance_service/repository/repository_fixture.h"

using dbs::instance::EmbeddedMigrations;
using dbs::instance::Migrator;
using dbs::testing::kLegacySchema;
using dbs::testing::QueryScalar;
using dbs::testing::ScratchDatabase;

namespace {

absl::Time Soon() { return absl::Now() + absl::Seconds(60); }

std::vector<int> AllVersions() {
  std::vector<int> versions;
  for (const auto& migration : EmbeddedMigrations()) versions.push_back(migration.version);
  return versions;
}

}  // namespace

TEST_CASE("migrations create the schema on an empty database") {
  ScratchDatabase database;
  const std::string db = database.connection_string();
  auto applied = Migrator(db).Run(Soon());
  REQUIRE(applied.ok());
  CHECK(*applied == AllVersions());
  CHECK(QueryScalar(db, "SELECT count(*) FROM schema_migrations") ==
        std::to_string(AllVersions().size()));
  for (const char* table : {"db_servers", "instances", "request_ids"}) {
    CHECK(QueryScalar(db, std::string("SELECT to_regclass('") + table + "') IS NOT NULL") == "t");
  }
  CHECK(QueryScalar(db,
                    "SELECT count(*) FROM pg_indexes WHERE indexname = "
                    "'db_servers_available_idx'") == "1");
}

TEST_CASE("running migrations a second time applies nothing and changes nothing") {
  ScratchDatabase database;
  Migrator migrator(database.connection_string());
  REQUIRE(migrator.Run(Soon()).ok());
  const std::string before = QueryScalar(database.connection_string(),
                                         "SELECT string_agg(version || '@' || applied_at, ',') "
                                         "FROM schema_migrations");
  auto again = migrator.Run(Soon());
  REQUIRE(again.ok());
  CHECK(again->empty());
  CHECK(QueryScalar(database.connection_string(),
                    "SELECT string_agg(version || '@' || applied_at, ',') "
                    "FROM schema_migrations") == before);
  auto versions = migrator.AppliedVersions(Soon());
  REQUIRE(versions.ok());
  CHECK(*versions == AllVersions());
}

TEST_CASE("two migrators started together both succeed and apply each version once") {
  ScratchDatabase database;
  absl::StatusOr<std::vector<int>> first, second;
  std::thread a([&] { first = Migrator(database.connection_string()).Run(Soon()); });
  std::thread b([&] { second = Migrator(database.connection_string()).Run(Soon()); });
  a.join();
  b.join();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  // One applied everything, the other found nothing to do.
  CHECK(first->size() + second->size() == AllVersions().size());
  CHECK((first->empty() || second->empty()));
  CHECK(QueryScalar(database.connection_string(), "SELECT count(*) FROM schema_migrations") ==
        std::to_string(AllVersions().size()));
}

TEST_CASE(
    "Run on a current schema issues no DDL so a role that may only read the ledger can run it") {
  absl::BitGen random;
  const std::string role =
      "migrator_test_reader_" + std::to_string(absl::Uniform<uint32_t>(random));
  {
    ScratchDatabase database;
    const std::string db = database.connection_string();
    REQUIRE(Migrator(db).Run(Soon()).ok());
    // What deploy/sql/grants.sql gives instance_service on the ledger, and nothing
    // that would allow DDL (PostgreSQL 15 already keeps CREATE on public from PUBLIC).
    QueryScalar(db, "CREATE ROLE " + role + " LOGIN; GRANT CONNECT ON DATABASE " + database.name() +
                        " TO " + role + "; REVOKE CREATE ON SCHEMA public " +
                        "FROM PUBLIC; GRANT USAGE ON SCHEMA public TO " + role +
                        "; GRANT SELECT ON schema_migrations TO " + role);
    const std::string as_reader = db + " user=" + role;
    auto again = Migrator(as_reader).Run(Soon());
    REQUIRE(again.ok());
    CHECK(again->empty());
    auto with_contract = Migrator(db, Migrator::Scope::kContract).Run(Soon());
    REQUIRE(with_contract.ok());
    CHECK(Migrator(as_reader, Migrator::Scope::kContract).Run(Soon()).ok());
    // The same role with something pending fails on the DDL, changing nothing.
    std::vector<dbs::instance::Migration> one_more;
    for (const auto& migration : EmbeddedMigrations()) {
      one_more.push_back({migration.version, migration.name, migration.sql});
    }
    one_more.push_back({99, "0099_more", "CREATE TABLE more_things (x int)"});
    auto denied = Migrator(as_reader, one_more).Run(Soon());
    REQUIRE_FALSE(denied.ok());
    CHECK(QueryScalar(db, "SELECT count(*) FROM schema_migrations") ==
          std::to_string(AllVersions().size() + 1));  // with the contract's 100
    CHECK(QueryScalar(db, "SELECT to_regclass('more_things') IS NULL") == "t");
  }
  QueryScalar(dbs::testing::AdminConnectionString(), "DROP ROLE " + role);
}

TEST_CASE("a failing migration rolls back every migration of that run") {
  ScratchDatabase database;
  std::vector<dbs::instance::Migration> migrations = {
      {1, "0001_ok", "CREATE TABLE first_table (x int)"},
      {2, "0002_broken", "CREATE TABLE second_table (x int); SELECT 1/0"}};
  auto result = Migrator(database.connection_string(), migrations).Run(Soon());
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(std::string(result.status().message()), Catch::Contains("0002_broken"));
  CHECK_THAT(std::string(result.status().message()), !Catch::Contains("1/0"));
  CHECK(QueryScalar(database.connection_string(), "SELECT to_regclass('first_table') IS NULL") ==
        "t");
  CHECK(QueryScalar(database.connection_string(),
                    "SELECT to_regclass('schema_migrations') IS NULL") == "t");
}

TEST_CASE("migrations adopt the legacy db_servers table without losing rows or the FK") {
  ScratchDatabase database;
  const std::string db = database.connection_string();
  QueryScalar(db, kLegacySchema);
  auto applied = Migrator(db).Run(Soon());
  REQUIRE(applied.ok());
  CHECK(*applied == AllVersions());

  CHECK(QueryScalar(db, "SELECT count(*) FROM db_servers") == "3");
  CHECK(QueryScalar(db, "SELECT count(*) FROM instances") == "1");
  // Backfilled into the new columns and normalised.
  CHECK(QueryScalar(db,
                    "SELECT display_name || ' ' || host || ':' || port || ' ' || state "
                    "|| ' ' || health || ' ' || instance_count || '/' || max_instances "
                    "|| ' v' || version FROM db_servers WHERE id = "
                    "'aaaaaaaa-0000-4000-8000-000000000001'") ==
        "pool-1 pg1.internal:5432 ACTIVE HEALTHY 3/50 v1");
  // The legacy columns are still there, with their values untouched.
  CHECK(
      QueryScalar(db,
                  "SELECT string_agg(name || ' ' || status || ' ' || "
                  "COALESCE(health_status, 'NULL') || ' ' || (created_at AT TIME ZONE 'UTC')::date "
                  "|| ' ' || COALESCE((updated_at AT TIME ZONE 'UTC')::date::text, 'NULL'), "
                  "', ' ORDER BY name) "
                  "FROM db_servers") ==
      "pool-1 active healthy 2024-01-02 2024-02-03, pool-2 error NULL 2024-01-02 NULL, "
      "pool-3 inactive ok 2024-01-02 2024-01-02");
  CHECK(QueryScalar(db,
                    "SELECT create_time = '2024-01-02 03:04:05+00' AND "
                    "update_time = '2024-02-03 04:05:06+00' FROM db_servers WHERE id = "
                    "'aaaaaaaa-0000-4000-8000-000000000001'") == "t");
  CHECK(QueryScalar(db,
                    "SELECT state || ' ' || health || ' ' || instance_count || '/' || "
                    "max_instances FROM db_servers WHERE display_name = 'pool-2'") ==
        "FAILED UNKNOWN 0/1");
  // Over capacity in the old table: capacity raised to the count, nothing lost.
  CHECK(QueryScalar(db,
                    "SELECT state || ' ' || health || ' ' || instance_count || '/' || "
                    "max_instances FROM db_servers WHERE display_name = 'pool-3'") ==
        "MAINTENANCE HEALTHY 7/7");
  // The FK survives (exactly one) and is enforced both ways.
  CHECK(QueryScalar(db,
                    "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                    "conrelid = 'instances'::regclass") == "1");
  CHECK(QueryScalar(db, "SELECT db_server_id FROM instances") ==
        "aaaaaaaa-0000-4000-8000-000000000001");
  CHECK(QueryScalar(db, "SELECT tenant_id FROM instances") == "acme");
  CHECK(QueryScalar(db,
                    "DO $$ BEGIN DELETE FROM db_servers WHERE "
                    "id = 'aaaaaaaa-0000-4000-8000-000000000001'; RAISE EXCEPTION 'deleted'; "
                    "EXCEPTION WHEN foreign_key_violation THEN NULL; END $$; "
                    "SELECT count(*) FROM db_servers") == "3");
  // The new constraints hold on the adopted table.
  for (const char* violation :
       {"UPDATE db_servers SET instance_count = max_instances + 1",
        "UPDATE db_servers SET state = 'active'", "UPDATE db_servers SET port = 0",
        "UPDATE db_servers SET health = 'fine'", "UPDATE db_servers SET max_instances = 0",
        "INSERT INTO db_servers (display_name, host, port, server_type, max_instances) "
        "VALUES ('pool-1', 'h', 1, 'postgres', 1)"}) {
    CHECK(QueryScalar(db, std::string("DO $$ BEGIN ") + violation +
                              "; RAISE EXCEPTION 'accepted'; EXCEPTION "
                              "WHEN check_violation OR unique_violation THEN NULL; END $$; "
                              "SELECT 'rejected'") == "rejected");
  }
  // And a new row gets every default.
  CHECK(QueryScalar(db,
                    "INSERT INTO db_servers (display_name, host, port, server_type, "
                    "max_instances) VALUES ('pool-4', 'h', 1, 'postgres', 3) "
                    "RETURNING state || ' ' || health || ' ' || instance_count || ' ' "
                    "|| labels::text || ' v' || version") == "PROVISIONING UNKNOWN 0 {} v1");
}

TEST_CASE("the repository works on an adopted legacy table") {
  ScratchDatabase database;
  QueryScalar(database.connection_string(), kLegacySchema);
  dbs::pq::PgPoolOptions options;
  options.conninfo = database.connection_string();
  REQUIRE(dbs::instance::RunMigrations(options.conninfo).ok());
  dbs::pq::PgPool pool(options);
  dbs::instance::PostgresDbServerRepository repository(&pool);
  auto allocated = repository.Allocate("postgres", std::nullopt, dbs::testing::Within());
  REQUIRE(allocated.ok());
  CHECK(allocated->display_name == "pool-1");
  CHECK(allocated->instance_count == 4);
  CHECK(allocated->version == 2);
  auto in_use = repository.Delete("aaaaaaaa-0000-4000-8000-000000000002", std::nullopt, false,
                                  std::nullopt, dbs::testing::Within());
  CHECK(in_use.ok());  // pool-2 has no instances
  CHECK(dbs::testing::CodeAndReason(repository.Delete(
            "aaaaaaaa-0000-4000-8000-000000000001", std::nullopt, false, std::nullopt,
            dbs::testing::Within())) == "FAILED_PRECONDITION DB_SERVER_IN_USE");
}
