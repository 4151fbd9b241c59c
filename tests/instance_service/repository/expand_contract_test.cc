// Expand/contract on a real PostgreSQL: the old Python database-service and
// instance-service run side by side on an adopted legacy db_servers table (migration
// 0001 and its sync trigger), then the contract migration drops the legacy half. The
// "old writer" and "old reader" below are the statements the old service sends.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "instance_service/migrations/embedded_migrations.h"
#include "instance_service/migrations/migrator.h"
#include "instance_service/repository/postgres_db_server_repository.h"
#include "pq/pg_connection.h"
#include "pq/pg_error.h"
#include "pq/pg_transaction.h"
#include "pq/sqlstate.h"
#include "tests/fixtures/legacy_instance_db.h"
#include "tests/instance_service/repository/repository_fixture.h"

using dbs::instance::DbServerChanges;
using dbs::instance::DbServerHealth;
using dbs::instance::DbServerRecord;
using dbs::instance::DbServerState;
using dbs::instance::FilterField;
using dbs::instance::FilterTerm;
using dbs::instance::ListQuery;
using dbs::instance::Migration;
using dbs::instance::Migrator;
using dbs::instance::RequestIdentity;
using dbs::testing::CodeAndReason;
using dbs::testing::NewServer;
using dbs::testing::QueryScalar;
using dbs::testing::ScratchDatabase;
using dbs::testing::Within;

namespace {

constexpr char kPool1[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kPool2[] = "aaaaaaaa-0000-4000-8000-000000000002";
constexpr char kPool3[] = "aaaaaaaa-0000-4000-8000-000000000003";

// The old service's allocation query: every eligible pool, least loaded first.
constexpr char kOldReader[] =
    "SELECT COALESCE(string_agg(name, ',' ORDER BY instance_count::float8 / max_instances, "
    "id), '') FROM db_servers WHERE server_type = 'postgres' AND status = 'active' "
    "AND health_status = 'healthy' AND instance_count < max_instances";
// The same pools by name, to compare with a listing.
constexpr char kOldReaderByName[] =
    "SELECT COALESCE(string_agg(name, ',' ORDER BY name), '') FROM db_servers "
    "WHERE status = 'active' AND health_status = 'healthy' AND instance_count < max_instances";

// Every column of db_servers with its type, nullability and default, by name: two
// databases with the same signature have the same table.
constexpr char kColumnSignature[] =
    "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || "
    "COALESCE(column_default, '-'), ', ' ORDER BY column_name) FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = 'db_servers'";
constexpr char kLegacyColumnCount[] =
    "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND table_name = 'db_servers' AND column_name IN "
    "('name', 'status', 'health_status', 'created_at', 'updated_at')";
constexpr char kSyncObjectCount[] =
    "SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'db_servers'::regclass "
    "AND NOT tgisinternal) + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'db_servers_%')";

// A scratch database, optionally holding the legacy table, migrated, with the
// repository on it.
struct Database {
  // `first`: migrations applied before all of them (a database migrated by an older
  // binary).
  explicit Database(bool legacy, const std::vector<Migration>& first = {}) {
    if (legacy) QueryScalar(url(), dbs::testing::kLegacySchema);
    if (!first.empty()) REQUIRE(Migrator(url(), first).Run(absl::Now() + absl::Minutes(1)).ok());
    REQUIRE(dbs::instance::RunMigrations(url()).ok());
  }
  const std::string& url() const { return database.connection_string(); }
  std::string Scalar(const std::string& sql) const { return QueryScalar(url(), sql); }
  dbs::pq::PgPoolOptions PoolOptions() const {
    dbs::pq::PgPoolOptions options;
    options.conninfo = url();
    options.max_connections = 4;
    return options;
  }
  // Runs `sql` (committed when accepted) and says whether PostgreSQL accepted it.
  bool Accepts(const std::string& sql) const {
    return Scalar("DO $$ BEGIN BEGIN " + sql +
                  "; EXCEPTION WHEN OTHERS THEN PERFORM set_config('dbs.outcome', 'rejected', "
                  "false); RETURN; END; PERFORM set_config('dbs.outcome', 'accepted', false); "
                  "END $$; SELECT current_setting('dbs.outcome')") == "accepted";
  }

  ScratchDatabase database;
  dbs::pq::PgPool pool{PoolOptions()};
  dbs::instance::PostgresDbServerRepository repository{&pool};
};

DbServerRecord Get(Database& db, const std::string& id) {
  auto record = db.repository.Get(id, Within());
  REQUIRE(record.ok());
  return *record;
}

DbServerRecord Update(Database& db, const std::string& id, const DbServerChanges& changes) {
  auto updated = db.repository.Update(id, changes, std::nullopt, {}, std::nullopt, Within());
  REQUIRE(updated.ok());
  return *updated;
}

DbServerChanges StateAndHealth(DbServerState state, DbServerHealth health) {
  DbServerChanges changes;
  changes.state = state;
  changes.health = health;
  return changes;
}

// The display names a ListDbServers with `state = ACTIVE AND health = HEALTHY` returns.
std::string ActiveHealthyNames(Database& db) {
  ListQuery query;
  FilterTerm state;
  state.field = FilterField::kState;
  state.state = DbServerState::kActive;
  FilterTerm health;
  health.field = FilterField::kHealth;
  health.health = DbServerHealth::kHealthy;
  query.terms = {state, health};
  auto page = db.repository.List(query, Within());
  REQUIRE(page.ok());
  std::string names;
  for (const auto& record : page->records) {
    if (record.instance_count >= record.max_instances) continue;
    names += (names.empty() ? "" : ",") + record.display_name;
  }
  return names;
}

// The legacy columns of one row as the old reader sees them.
std::string LegacyView(const Database& db, const std::string& id) {
  return db.Scalar(
      "SELECT name || ' ' || status || ' ' || health_status || ' ' || instance_count || '/' || "
      "max_instances || ' ' || (created_at = create_time) || ' ' || (updated_at = update_time) "
      "FROM db_servers WHERE id = '" +
      id + "'");
}

}  // namespace

TEST_CASE("side by side: the old writer's SQL still works and the repository sees it") {
  Database db(/*legacy=*/true);
  const DbServerRecord pool1 = Get(db, kPool1);
  CHECK(pool1.version == 1);
  CHECK(db.Scalar(kOldReader) == "pool-1");

  // An old-writer INSERT: legacy columns only.
  const std::string id = db.Scalar(
      "INSERT INTO db_servers (name, host, port, server_type, status, health_status, "
      "max_instances) VALUES ('legacy-4', 'pg4.internal', 5433, 'postgres', 'active', "
      "'healthy', 2) RETURNING id");
  DbServerRecord inserted = Get(db, id);
  CHECK(inserted.display_name == "legacy-4");
  CHECK(inserted.state == DbServerState::kActive);
  CHECK(inserted.health == DbServerHealth::kHealthy);
  CHECK(inserted.instance_count == 0);
  CHECK(inserted.max_instances == 2);
  CHECK(inserted.labels.empty());
  CHECK(inserted.version == 1);
  CHECK(LegacyView(db, id) == "legacy-4 active healthy 0/2 true true");
  // With the legacy defaults: only name and host, as the old provisioning did.
  const std::string bare = db.Scalar(
      "INSERT INTO db_servers (name, host) VALUES ('legacy-5', 'pg5.internal') RETURNING id");
  CHECK(Get(db, bare).state == DbServerState::kProvisioning);
  CHECK(Get(db, bare).health == DbServerHealth::kUnknown);
  CHECK(Get(db, bare).max_instances == 100);
  CHECK(LegacyView(db, bare) == "legacy-5 provisioning unknown 0/100 true true");
  CHECK(db.Scalar(kOldReader) == "legacy-4,pool-1");
  CHECK(ActiveHealthyNames(db) == "legacy-4,pool-1");

  // An old-writer status change: the new state follows, version and update_time move.
  REQUIRE(db.Accepts("UPDATE db_servers SET status = 'inactive' WHERE name = 'legacy-4'"));
  DbServerRecord deactivated = Get(db, id);
  CHECK(deactivated.state == DbServerState::kMaintenance);
  CHECK(deactivated.version == 2);
  CHECK(deactivated.update_time >= inserted.update_time);
  CHECK(LegacyView(db, id) == "legacy-4 inactive healthy 0/2 true true");
  // An etag taken before the old writer's write no longer matches.
  CHECK(CodeAndReason(db.repository
                          .Update(id,
                                  StateAndHealth(DbServerState::kActive, DbServerHealth::kHealthy),
                                  inserted.version, {}, std::nullopt, Within())
                          .status()) == "ABORTED ETAG_MISMATCH");
  REQUIRE(
      db.Accepts("UPDATE db_servers SET status = 'error', health_status = 'unhealthy' "
                 "WHERE name = 'legacy-4'"));
  CHECK(Get(db, id).state == DbServerState::kFailed);
  CHECK(Get(db, id).health == DbServerHealth::kUnhealthy);
  CHECK(Get(db, id).version == 3);

  // The old writer's increment, guarded the way it always was.
  REQUIRE(
      db.Accepts("UPDATE db_servers SET instance_count = instance_count + 1 "
                 "WHERE id = '" +
                 std::string(kPool1) + "' AND instance_count < max_instances"));
  const DbServerRecord incremented = Get(db, kPool1);
  CHECK(incremented.instance_count == 4);
  CHECK(incremented.version == 2);
  CHECK(incremented.update_time > pool1.update_time);  // was 2024-02-03
  CHECK(LegacyView(db, kPool1) == "pool-1 active healthy 4/50 true true");
  // An unguarded one on a full pool is now refused instead of over-filling it.
  CHECK_FALSE(
      db.Accepts("UPDATE db_servers SET instance_count = instance_count + 1 "
                 "WHERE id = '" +
                 std::string(kPool3) + "'"));
  // A rename by the old writer reaches display_name; a duplicate name is still refused.
  REQUIRE(db.Accepts("UPDATE db_servers SET name = 'legacy-5b' WHERE name = 'legacy-5'"));
  CHECK(Get(db, bare).display_name == "legacy-5b");
  CHECK_FALSE(db.Accepts("INSERT INTO db_servers (name, host) VALUES ('pool-1', 'h')"));

  // The old reader and ListDbServers agree.
  CHECK(db.Scalar(kOldReader) == "pool-1");
  CHECK(db.Scalar(kOldReaderByName) == ActiveHealthyNames(db));
  CHECK(ActiveHealthyNames(db) == "pool-1");
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "5");
  // Every pair in step, except the one legacy NULL nobody has written since (pool-2's
  // updated_at; its update_time was backfilled from created_at).
  CHECK(db.Scalar("SELECT string_agg(name, ',') FROM db_servers WHERE "
                  "name IS DISTINCT FROM display_name OR created_at IS DISTINCT FROM create_time "
                  "OR updated_at IS DISTINCT FROM update_time") == "pool-2");
}

// 0004: an UPDATE that changes no column is no write, whoever sends it.
TEST_CASE("side by side: a write that changes nothing keeps version and update_time") {
  Database db(/*legacy=*/true);
  const std::string pool1 = kPool1;
  const DbServerRecord before = Get(db, kPool1);
  REQUIRE(before.version == 1);
  const auto stamps = [&](const std::string& id) {
    return db.Scalar(
        "SELECT version || ' ' || update_time || ' ' || "
        "COALESCE(updated_at::text, '-') FROM db_servers WHERE id = '" +
        id + "'");
  };
  const std::string pool1_stamps = stamps(pool1);

  // The old writer sets the values the rows hold, NULLs included (pool-2).
  REQUIRE(
      db.Accepts("UPDATE db_servers SET status = 'active', health_status = 'healthy', "
                 "host = 'pg1.internal', instance_count = 3 WHERE id = '" +
                 pool1 + "'"));
  CHECK(stamps(pool1) == pool1_stamps);
  const std::string pool2 = kPool2;
  const std::string pool2_stamps = stamps(pool2);
  REQUIRE(db.Accepts("UPDATE db_servers SET status = 'error', updated_at = NULL WHERE id = '" +
                     pool2 + "'"));
  CHECK(stamps(pool2) == pool2_stamps);

  // So does instance-service, through the trigger.
  const DbServerRecord same =
      Update(db, kPool1, StateAndHealth(DbServerState::kActive, DbServerHealth::kHealthy));
  CHECK(same.version == 1);
  CHECK(same.update_time == before.update_time);
  CHECK(stamps(pool1) == pool1_stamps);
  CHECK(LegacyView(db, kPool1) == "pool-1 active healthy 3/50 true true");

  // An old-writer write that changes something still bumps, once.
  REQUIRE(
      db.Accepts("UPDATE db_servers SET status = 'active', health_status = 'degraded' "
                 "WHERE id = '" +
                 pool1 + "'"));
  const DbServerRecord degraded = Get(db, kPool1);
  CHECK(degraded.health == DbServerHealth::kDegraded);
  CHECK(degraded.version == 2);
  CHECK(degraded.update_time > before.update_time);
  // updated_at alone is a change too: bumped, and the time it set is kept.
  REQUIRE(db.Accepts("UPDATE db_servers SET updated_at = '2030-01-02 03:04:05+00' WHERE id = '" +
                     pool1 + "'"));
  const DbServerRecord touched = Get(db, kPool1);
  CHECK(touched.version == 3);
  CHECK(touched.update_time == absl::FromUnixSeconds(1893553445));
  CHECK(LegacyView(db, kPool1) == "pool-1 active degraded 3/50 true true");
  // And a new-writer change bumps once.
  CHECK(Update(db, kPool1, StateAndHealth(DbServerState::kActive, DbServerHealth::kHealthy))
            .version == 4);
  CHECK(LegacyView(db, kPool1) == "pool-1 active healthy 3/50 true true");
}

TEST_CASE("side by side: the old reader sees what the repository writes") {
  Database db(/*legacy=*/true);

  auto created = db.repository.Create(NewServer("new-1", 3), std::nullopt, Within());
  REQUIRE(created.ok());
  CHECK(created->state == DbServerState::kProvisioning);
  CHECK(created->version == 1);
  CHECK(LegacyView(db, created->id) == "new-1 provisioning unknown 0/3 true true");

  const DbServerRecord active =
      Update(db, created->id, StateAndHealth(DbServerState::kActive, DbServerHealth::kHealthy));
  CHECK(active.version == 2);  // bumped once: the trigger adds nothing to a new write
  CHECK(LegacyView(db, created->id) == "new-1 active healthy 0/3 true true");
  CHECK(db.Scalar(kOldReader) == "new-1,pool-1");  // 0/3 before 3/50

  auto incremented = db.repository.Increment(created->id, std::nullopt, Within());
  REQUIRE(incremented.ok());
  CHECK(incremented->version == 3);
  CHECK(LegacyView(db, created->id) == "new-1 active healthy 1/3 true true");

  // Allocate takes the least loaded: pool-1 (3/50), then new-1 once pool-1 is fuller.
  auto allocated = db.repository.Allocate("postgres", std::nullopt, Within());
  REQUIRE(allocated.ok());
  CHECK(allocated->id == kPool1);
  CHECK(allocated->instance_count == 4);
  CHECK(allocated->version == 2);
  CHECK(LegacyView(db, kPool1) == "pool-1 active healthy 4/50 true true");
  CHECK(db.Scalar(kOldReader) == "pool-1,new-1");  // 4/50 before 1/3
  CHECK(db.Scalar(kOldReaderByName) == ActiveHealthyNames(db));

  // Every new state and health reaches the legacy vocabulary.
  const std::vector<std::pair<DbServerState, std::string>> states = {
      {DbServerState::kDraining, "inactive"},
      {DbServerState::kMaintenance, "inactive"},
      {DbServerState::kFailed, "error"},
      {DbServerState::kProvisioning, "provisioning"},
      {DbServerState::kActive, "active"}};
  for (const auto& [state, legacy] : states) {
    Update(db, created->id, StateAndHealth(state, DbServerHealth::kDegraded));
    CHECK(db.Scalar("SELECT status || ' ' || health_status FROM db_servers WHERE id = '" +
                    created->id + "'") == legacy + " degraded");
  }
  Update(db, created->id, StateAndHealth(DbServerState::kDraining, DbServerHealth::kUnhealthy));
  CHECK(db.Scalar("SELECT health_status FROM db_servers WHERE id = '" + created->id + "'") ==
        "unhealthy");
  // A later old-writer write that leaves status alone keeps DRAINING (not MAINTENANCE).
  REQUIRE(db.Accepts("UPDATE db_servers SET instance_count = instance_count - 1 WHERE id = '" +
                     created->id + "'"));
  CHECK(Get(db, created->id).state == DbServerState::kDraining);
  CHECK(Get(db, created->id).instance_count == 0);
  CHECK(db.Scalar(kOldReader) == "pool-1");
  CHECK(ActiveHealthyNames(db) == "pool-1");

  // A display_name taken by a legacy row (its unique name) is ALREADY_EXISTS.
  CHECK(CodeAndReason(db.repository.Create(NewServer("pool-3"), std::nullopt, Within()).status()) ==
        "ALREADY_EXISTS DISPLAY_NAME_TAKEN");
  // Delete still sees the tenant of pool-1 and the FK.
  CHECK(CodeAndReason(db.repository.Delete(kPool1, std::nullopt, false, std::nullopt, Within())) ==
        "FAILED_PRECONDITION DB_SERVER_IN_USE");
  REQUIRE(db.repository.Delete(created->id, std::nullopt, false, std::nullopt, Within()).ok());
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "3");
}

TEST_CASE("contract drops the legacy columns and the trigger and the repository keeps working") {
  Database db(/*legacy=*/true);
  Database fresh(/*legacy=*/false);
  REQUIRE(db.Scalar(kLegacyColumnCount) == "5");
  REQUIRE(db.Scalar(kSyncObjectCount) == "6");  // the trigger and its five functions

  // The expand-only migrator never applies the contract, however often it runs.
  auto expand_again = Migrator(db.url()).Run(absl::Now() + absl::Seconds(60));
  REQUIRE(expand_again.ok());
  CHECK(expand_again->empty());
  CHECK(db.Scalar(kLegacyColumnCount) == "5");

  auto contracted =
      Migrator(db.url(), Migrator::Scope::kContract).Run(absl::Now() + absl::Minutes(1));
  REQUIRE(contracted.ok());
  CHECK(*contracted == std::vector<int>{100});
  CHECK(db.Scalar("SELECT name FROM schema_migrations WHERE version = 100") ==
        "0100_drop_legacy_columns");
  CHECK(db.Scalar(kLegacyColumnCount) == "0");
  CHECK(db.Scalar(kSyncObjectCount) == "0");
  CHECK(db.Scalar("SELECT count(*) FROM pg_constraint WHERE conname = 'db_servers_name_key'") ==
        "0");
  // The same table a fresh database has, and nothing lost.
  CHECK(db.Scalar(kColumnSignature) == fresh.Scalar(kColumnSignature));
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "3");
  CHECK(db.Scalar("SELECT count(*) FROM instances") == "1");
  // The old writer's SQL fails from here on: step 6 only.
  CHECK_FALSE(db.Accepts("UPDATE db_servers SET status = 'inactive'"));

  const DbServerRecord pool1 = Get(db, kPool1);
  CHECK(pool1.display_name == "pool-1");
  CHECK(pool1.state == DbServerState::kActive);
  CHECK(pool1.instance_count == 3);
  auto created = db.repository.Create(NewServer("after-contract", 2), std::nullopt, Within());
  REQUIRE(created.ok());
  CHECK(created->state == DbServerState::kProvisioning);
  CHECK(created->health == DbServerHealth::kUnknown);
  CHECK(created->version == 1);
  Update(db, created->id, StateAndHealth(DbServerState::kActive, DbServerHealth::kHealthy));
  auto incremented = db.repository.Increment(created->id, std::nullopt, Within());
  REQUIRE(incremented.ok());
  CHECK(incremented->version == 3);
  auto allocated = db.repository.Allocate("postgres", std::nullopt, Within());
  REQUIRE(allocated.ok());
  CHECK(allocated->id == kPool1);
  CHECK(ActiveHealthyNames(db) == "after-contract,pool-1");

  // Applied once: a second contract run has nothing to do.
  auto again = Migrator(db.url(), Migrator::Scope::kContract).Run(absl::Now() + absl::Minutes(1));
  REQUIRE(again.ok());
  CHECK(again->empty());
}

TEST_CASE("a fresh database has no legacy columns or trigger and contract is a no-op there") {
  Database db(/*legacy=*/false);
  CHECK(db.Scalar(kLegacyColumnCount) == "0");
  CHECK(db.Scalar(kSyncObjectCount) == "0");
  const std::string before = db.Scalar(kColumnSignature);
  CHECK_THAT(before, Catch::Contains("state text NO 'PROVISIONING'::text"));
  CHECK_THAT(before, Catch::Contains("max_instances integer NO -"));

  auto contracted =
      Migrator(db.url(), Migrator::Scope::kContract).Run(absl::Now() + absl::Minutes(1));
  REQUIRE(contracted.ok());
  CHECK(*contracted == std::vector<int>{100});
  CHECK(db.Scalar(kColumnSignature) == before);
  CHECK(db.Scalar(kSyncObjectCount) == "0");

  auto created = db.repository.Create(NewServer("fresh-1", 2), std::nullopt, Within());
  REQUIRE(created.ok());
  CHECK(created->state == DbServerState::kProvisioning);
  CHECK(created->version == 1);
}

// A database contracted by an older binary (0100 before 0004): 0004 finds no trigger,
// adds nothing, and an update to the current values is a no-op there too.
TEST_CASE("0004 on a database contracted before it changes nothing") {
  std::vector<Migration> older;
  for (const auto& migration : dbs::instance::EmbeddedMigrations()) {
    if (migration.version < 4) older.push_back({migration.version, migration.name, migration.sql});
  }
  for (const auto& migration : dbs::instance::EmbeddedContractMigrations()) {
    older.push_back({migration.version, migration.name, migration.sql});
  }
  Database db(/*legacy=*/true, older);
  Database fresh(/*legacy=*/false);
  CHECK(db.Scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM "
                  "schema_migrations") == "1,2,3,4,100");
  CHECK(db.Scalar(kSyncObjectCount) == "0");
  CHECK(db.Scalar(kColumnSignature) == fresh.Scalar(kColumnSignature));

  const DbServerRecord before = Get(db, kPool1);
  const DbServerRecord same =
      Update(db, kPool1, StateAndHealth(DbServerState::kActive, DbServerHealth::kHealthy));
  CHECK(same.version == before.version);
  CHECK(same.update_time == before.update_time);
  CHECK(Update(db, kPool1, StateAndHealth(DbServerState::kDraining, DbServerHealth::kHealthy))
            .version == before.version + 1);
}

// Replicas keep their pooled connections, and the statements prepared on them,
// across `migrate --contract`. 0100 turns host and server_type from varchar into
// text; a prepared statement whose result type changes is refused by PostgreSQL
// from then on (0A000 "cached plan must not change result type").
TEST_CASE("statements prepared before the contract keep working after it on the same pool") {
  Database db(/*legacy=*/true);
  // One connection: every call after the contract reuses what was prepared before.
  dbs::pq::PgPoolOptions options = db.PoolOptions();
  options.max_connections = 1;
  dbs::pq::PgPool pool(options);
  dbs::instance::PostgresDbServerRepository repository(&pool);
  const RequestIdentity request{"cccccccc-0000-4000-8000-000000000001", "create contract-1"};

  // Prepares every statement the calls below use.
  auto created = repository.Create(NewServer("contract-1", 5), request, Within());
  REQUIRE(created.ok());
  const std::string id = created->id;
  auto exercise = [&](const std::string& when) {
    INFO(when);
    CHECK(CodeAndReason(repository.Get(kPool1, Within()).status()) == "OK ");
    CHECK(CodeAndReason(repository.List(ListQuery(), Within()).status()) == "OK ");
    auto replayed = repository.Create(NewServer("contract-1", 5), request, Within());
    CHECK(CodeAndReason(replayed.status()) == "OK ");
    if (replayed.ok()) CHECK(replayed->id == id);
    CHECK(CodeAndReason(
              repository
                  .Update(id, StateAndHealth(DbServerState::kActive, DbServerHealth::kHealthy),
                          std::nullopt, {}, std::nullopt, Within())
                  .status()) == "OK ");
    CHECK(CodeAndReason(repository.Increment(id, std::nullopt, Within()).status()) == "OK ");
    CHECK(CodeAndReason(repository.Decrement(id, std::nullopt, Within()).status()) == "OK ");
    CHECK(CodeAndReason(repository.FindAvailable("postgres", Within()).status()) == "OK ");
    CHECK(CodeAndReason(repository.Allocate("postgres", std::nullopt, Within()).status()) == "OK ");
  };
  exercise("before the contract");
  const size_t prepared_before = [&] {
    auto connection = pool.Acquire(absl::Now() + absl::Seconds(10));
    REQUIRE(connection.ok());
    return (*connection)->prepared_count();
  }();
  CHECK(prepared_before >= 8);

  auto contracted =
      Migrator(db.url(), Migrator::Scope::kContract).Run(absl::Now() + absl::Minutes(1));
  REQUIRE(contracted.ok());
  REQUIRE(*contracted == std::vector<int>{100});
  REQUIRE(db.Scalar("SELECT data_type FROM information_schema.columns WHERE table_name = "
                    "'db_servers' AND column_name = 'host'") == "text");

  exercise("after the contract");
  exercise("again");
  CHECK(pool.open_count() == 1);
}

// The backstop for DDL the column casts do not foresee: a stale prepared statement
// discards its connection and is UNAVAILABLE (nothing done, retryable), never
// INTERNAL; RunInTransaction reruns the body on a fresh connection.
TEST_CASE("a prepared statement made stale by DDL is retryable and its connection discarded") {
  Database db(/*legacy=*/true);
  constexpr dbs::pq::PgStatement kHost = {"test_host_uncast",
                                          "SELECT host FROM db_servers WHERE id = $1::uuid"};
  dbs::pq::PgPoolOptions options = db.PoolOptions();
  options.max_connections = 1;
  dbs::pq::PgPool pool(options);
  auto read_host = [&](std::string* host) {
    return dbs::pq::RunInTransaction(
        pool, absl::Now() + absl::Seconds(10), {}, [&](dbs::pq::PgConnection& connection) {
          auto result = connection.Execute(kHost, {std::string(kPool1)});
          if (!result.ok()) return result.status();
          *host = std::string(result->Text(0, 0));
          return absl::OkStatus();
        });
  };
  std::string host;
  REQUIRE(read_host(&host).ok());
  CHECK(host == "pg1.internal");
  dbs::pq::PgConnectOptions connect;
  connect.conninfo = db.url();
  auto direct = dbs::pq::PgConnection::Connect(connect, absl::Now() + absl::Seconds(10));
  REQUIRE(direct.ok());
  REQUIRE((*direct)->Execute(kHost, {std::string(kPool1)}).ok());

  REQUIRE(Migrator(db.url(), Migrator::Scope::kContract).Run(absl::Now() + absl::Minutes(1)).ok());

  // Directly: UNAVAILABLE, and the connection is no longer fit for the pool.
  const absl::Status stale = (*direct)->Execute(kHost, {std::string(kPool1)}).status();
  CHECK(stale.code() == absl::StatusCode::kUnavailable);
  CHECK(dbs::pq::SqlStateOf(stale) == dbs::pq::sqlstate::kFeatureNotSupported);
  CHECK(dbs::pq::IsStalePreparedStatement(stale));
  CHECK_FALSE((*direct)->IsIdleAndHealthy());
  // Through the transaction helper: rerun on a fresh connection, so it just works.
  host.clear();
  CHECK(CodeAndReason(read_host(&host)) == "OK ");
  CHECK(host == "pg1.internal");
  CHECK(CodeAndReason(read_host(&host)) == "OK ");
  CHECK(pool.open_count() == 1);
}
