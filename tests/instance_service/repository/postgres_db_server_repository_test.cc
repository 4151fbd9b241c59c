// PostgresDbServerRepository against a real PostgreSQL: every method's success and
// its documented errors, asserted by status code and ErrorReason, and by the rows.
#include <catch2/catch.hpp>

#include "instance_service/repository/postgres_db_server_repository.h"
#include "tests/instance_service/repository/repository_fixture.h"

using dbs::instance::DbServerChanges;
using dbs::instance::DbServerHealth;
using dbs::instance::DbServerRecord;
using dbs::instance::DbServerState;
using dbs::instance::FilterField;
using dbs::instance::FilterTerm;
using dbs::instance::ListQuery;
using dbs::instance::RequestIdentity;
using dbs::testing::CodeAndReason;
using dbs::testing::MigratedDatabase;
using dbs::testing::NewServer;
using dbs::testing::Within;

namespace {

constexpr char kMissingId[] = "00000000-0000-4000-8000-000000000000";

DbServerRecord MakeActive(MigratedDatabase& db, const std::string& name, int max_instances = 10,
                          const std::string& server_type = "postgres") {
  auto created =
      db.repository.Create(NewServer(name, max_instances, server_type), std::nullopt, Within());
  REQUIRE(created.ok());
  DbServerChanges changes;
  changes.state = DbServerState::kActive;
  changes.health = DbServerHealth::kHealthy;
  auto active =
      db.repository.Update(created->id, changes, std::nullopt, {}, std::nullopt, Within());
  REQUIRE(active.ok());
  return *active;
}

FilterTerm Term(FilterField field, const std::string& value, bool negated = false,
                const std::string& label_key = "") {
  FilterTerm term;
  term.field = field;
  term.value = value;
  term.negated = negated;
  term.label_key = label_key;
  return term;
}

RequestIdentity Request(const std::string& id, const std::string& fingerprint) {
  return RequestIdentity{id, fingerprint};
}

}  // namespace

TEST_CASE("Create stores a PROVISIONING server with count 0 and version 1") {
  MigratedDatabase db;
  auto server = NewServer("pg-a", 25);
  server.labels = {{"region", "eu-west"}, {"quote\"and\\slash", "a,b {c}"}};
  auto created = db.repository.Create(server, std::nullopt, Within());
  REQUIRE(created.ok());
  CHECK(created->id.size() == 36);
  CHECK(created->display_name == "pg-a");
  CHECK(created->host == "pg-a.db.internal");
  CHECK(created->port == 5432);
  CHECK(created->server_type == "postgres");
  CHECK(created->state == DbServerState::kProvisioning);
  CHECK(created->health == DbServerHealth::kUnknown);
  CHECK(created->instance_count == 0);
  CHECK(created->max_instances == 25);
  CHECK(created->labels == server.labels);
  CHECK(created->version == 1);
  CHECK_FALSE(created->last_health_check_time.has_value());
  CHECK(absl::Now() - created->create_time < absl::Minutes(1));
  CHECK(created->update_time == created->create_time);

  auto read = db.repository.Get(created->id, Within());
  REQUIRE(read.ok());
  CHECK(read->labels == server.labels);
  CHECK(read->create_time == created->create_time);
}

TEST_CASE("Create with a taken display_name is ALREADY_EXISTS DISPLAY_NAME_TAKEN") {
  MigratedDatabase db;
  REQUIRE(db.repository.Create(NewServer("pg-a"), std::nullopt, Within()).ok());
  auto again = db.repository.Create(NewServer("pg-a"), std::nullopt, Within());
  CHECK(CodeAndReason(again.status()) == "ALREADY_EXISTS DISPLAY_NAME_TAKEN");
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "1");
}

TEST_CASE("Create rejected by a CHECK is INVALID_ARGUMENT INVALID_FIELD and writes nothing") {
  MigratedDatabase db;
  auto server = NewServer("pg-a");
  server.port = 70000;
  CHECK(CodeAndReason(db.repository.Create(server, std::nullopt, Within()).status()) ==
        "INVALID_ARGUMENT INVALID_FIELD");
  server.port = 5432;
  server.max_instances = 0;
  CHECK(CodeAndReason(db.repository.Create(server, std::nullopt, Within()).status()) ==
        "INVALID_ARGUMENT INVALID_FIELD");
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "0");
}

TEST_CASE("Create with a request id replays the first answer and inserts once") {
  MigratedDatabase db;
  const auto request = Request("11111111-1111-4111-8111-111111111111", "Create:pg-a");
  auto first = db.repository.Create(NewServer("pg-a"), request, Within());
  REQUIRE(first.ok());
  auto second = db.repository.Create(NewServer("pg-a"), request, Within());
  REQUIRE(second.ok());
  CHECK(second->id == first->id);
  CHECK(second->version == first->version);
  CHECK(second->create_time == first->create_time);
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "1");
}

TEST_CASE("Get of an unknown or non-UUID id is NOT_FOUND DB_SERVER_NOT_FOUND") {
  MigratedDatabase db;
  CHECK(CodeAndReason(db.repository.Get(kMissingId, Within()).status()) ==
        "NOT_FOUND DB_SERVER_NOT_FOUND");
  CHECK(CodeAndReason(db.repository.Get("not-a-uuid'; DROP TABLE db_servers", Within()).status()) ==
        "NOT_FOUND DB_SERVER_NOT_FOUND");
}

TEST_CASE("List pages by display_name with has_more and filters as parameters") {
  MigratedDatabase db;
  for (const char* name : {"pg-c", "pg-a", "pg-e", "pg-b", "pg-d"}) {
    auto server = NewServer(name, 10, name == std::string("pg-e") ? "mysql" : "postgres");
    server.labels = {{"zone", name == std::string("pg-a") ? "z1" : "z2"}};
    REQUIRE(db.repository.Create(server, std::nullopt, Within()).ok());
  }
  MakeActive(db, "pg-f");

  SECTION("pages of two in order, then the last page") {
    ListQuery query;
    query.page_size = 2;
    std::vector<std::string> names;
    bool more = true;
    int pages = 0;
    while (more) {
      auto page = db.repository.List(query, Within());
      REQUIRE(page.ok());
      for (const auto& record : page->records) names.push_back(record.display_name);
      more = page->has_more;
      if (!page->records.empty()) query.after_display_name = page->records.back().display_name;
      ++pages;
    }
    CHECK(pages == 3);
    CHECK(names == std::vector<std::string>{"pg-a", "pg-b", "pg-c", "pg-d", "pg-e", "pg-f"});
  }
  SECTION("a page that ends exactly at the last row has has_more false") {
    ListQuery query;
    query.page_size = 6;
    auto page = db.repository.List(query, Within());
    REQUIRE(page.ok());
    CHECK(page->records.size() == 6);
    CHECK_FALSE(page->has_more);
  }
  SECTION("terms are ANDed: server_type, !=, state, label") {
    ListQuery query;
    query.terms = {Term(FilterField::kServerType, "postgres"),
                   Term(FilterField::kDisplayName, "pg-b", /*negated=*/true),
                   Term(FilterField::kLabel, "z2", false, "zone")};
    auto page = db.repository.List(query, Within());
    REQUIRE(page.ok());
    std::vector<std::string> names;
    for (const auto& record : page->records) names.push_back(record.display_name);
    CHECK(names == std::vector<std::string>{"pg-c", "pg-d"});

    FilterTerm active = Term(FilterField::kState, "");
    active.state = DbServerState::kActive;
    FilterTerm healthy = Term(FilterField::kHealth, "");
    healthy.health = DbServerHealth::kHealthy;
    query.terms = {active, healthy};
    page = db.repository.List(query, Within());
    REQUIRE(page.ok());
    REQUIRE(page->records.size() == 1);
    CHECK(page->records[0].display_name == "pg-f");
  }
  SECTION("a label != term keeps rows without that label") {
    ListQuery query;
    query.terms = {Term(FilterField::kLabel, "z2", /*negated=*/true, "zone")};
    auto page = db.repository.List(query, Within());
    REQUIRE(page.ok());
    std::vector<std::string> names;
    for (const auto& record : page->records) names.push_back(record.display_name);
    CHECK(names == std::vector<std::string>{"pg-a", "pg-f"});
  }
  SECTION("hostile filter values are just values") {
    ListQuery query;
    query.terms = {Term(FilterField::kDisplayName, "x' OR '1'='1"),
                   Term(FilterField::kLabel, "v", false, "a'); DROP TABLE db_servers; --")};
    auto page = db.repository.List(query, Within());
    REQUIRE(page.ok());
    CHECK(page->records.empty());
    CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "6");
  }
}

TEST_CASE("Update applies only the set fields and bumps version and update_time") {
  MigratedDatabase db;
  auto created = db.repository.Create(NewServer("pg-a"), std::nullopt, Within());
  REQUIRE(created.ok());
  DbServerChanges changes;
  changes.state = DbServerState::kActive;
  changes.health = DbServerHealth::kDegraded;
  changes.health_message = "replication lag";
  const absl::Time checked = absl::FromUnixMicros(1'700'000'000'123'456);
  changes.last_health_check_time = std::optional<absl::Time>(checked);
  changes.max_instances = 40;
  changes.labels = std::map<std::string, std::string>{{"tier", "gold"}};
  auto updated =
      db.repository.Update(created->id, changes, created->version, {}, std::nullopt, Within());
  REQUIRE(updated.ok());
  CHECK(updated->state == DbServerState::kActive);
  CHECK(updated->health == DbServerHealth::kDegraded);
  CHECK(updated->health_message == "replication lag");
  CHECK(updated->last_health_check_time == checked);
  CHECK(updated->max_instances == 40);
  CHECK(updated->labels == std::map<std::string, std::string>{{"tier", "gold"}});
  CHECK(updated->host == created->host);
  CHECK(updated->port == created->port);
  CHECK(updated->version == created->version + 1);
  CHECK(updated->update_time >= created->update_time);

  SECTION("an engaged nullopt clears last_health_check_time") {
    DbServerChanges clear;
    clear.last_health_check_time = std::optional<absl::Time>();
    auto cleared =
        db.repository.Update(created->id, clear, std::nullopt, {}, std::nullopt, Within());
    REQUIRE(cleared.ok());
    CHECK_FALSE(cleared->last_health_check_time.has_value());
    CHECK(cleared->health_message == "replication lag");
    CHECK(cleared->version == created->version + 2);
  }
}

TEST_CASE("Update that sets the current values again keeps version and update_time") {
  MigratedDatabase db;
  const DbServerRecord server = MakeActive(db, "pg-a");
  DbServerChanges changes;
  changes.health_message = "replication lag";
  changes.last_health_check_time =
      std::optional<absl::Time>(absl::FromUnixMicros(1'700'000'000'123'456));
  changes.labels = std::map<std::string, std::string>{{"tier", "gold"}, {"region", "eu"}};
  auto stored = db.repository.Update(server.id, changes, std::nullopt, {}, std::nullopt, Within());
  REQUIRE(stored.ok());
  REQUIRE(stored->version == server.version + 1);

  // Every writable column set to what it holds, with the current etag and a request id.
  DbServerChanges same;
  same.state = stored->state;
  same.health = stored->health;
  same.health_message = stored->health_message;
  same.last_health_check_time = stored->last_health_check_time;
  same.max_instances = stored->max_instances;
  same.host = stored->host;
  same.port = stored->port;
  same.labels = stored->labels;
  const RequestIdentity request = Request("cccccccc-0000-4000-8000-00000000000a", "same");
  auto again = db.repository.Update(server.id, same, stored->version, {}, request, Within());
  REQUIRE(again.ok());
  CHECK(again->version == stored->version);
  CHECK(again->update_time == stored->update_time);
  CHECK(again->labels == stored->labels);
  CHECK(db.Scalar("SELECT version FROM db_servers") == std::to_string(stored->version));
  CHECK(db.Scalar("SELECT count(*) FROM request_ids WHERE result IS NOT NULL") == "1");

  SECTION("a stale etag is still ABORTED ETAG_MISMATCH") {
    CHECK(CodeAndReason(
              db.repository.Update(server.id, same, server.version, {}, std::nullopt, Within())
                  .status()) == "ABORTED ETAG_MISMATCH");
  }
  SECTION("the etag held before the no-op still writes, and a real change bumps") {
    DbServerChanges move = same;
    move.host = "elsewhere";
    auto moved = db.repository.Update(server.id, move, stored->version, {}, std::nullopt, Within());
    REQUIRE(moved.ok());
    CHECK(moved->host == "elsewhere");
    CHECK(moved->version == stored->version + 1);
    CHECK(moved->update_time > stored->update_time);
    // The no-op's request id replays its own answer.
    auto replayed = db.repository.Update(server.id, same, stored->version, {}, request, Within());
    REQUIRE(replayed.ok());
    CHECK(replayed->version == stored->version);
    CHECK(replayed->host == stored->host);
  }
  SECTION("one changed column among unchanged ones bumps") {
    DbServerChanges clear;
    clear.state = stored->state;
    clear.last_health_check_time = std::optional<absl::Time>();
    auto cleared = db.repository.Update(server.id, clear, std::nullopt, {}, std::nullopt, Within());
    REQUIRE(cleared.ok());
    CHECK_FALSE(cleared->last_health_check_time.has_value());
    CHECK(cleared->version == stored->version + 1);
  }
}

TEST_CASE("Update errors: NOT_FOUND, ETAG_MISMATCH, the state rule, CAPACITY_BELOW_COUNT") {
  MigratedDatabase db;
  auto server = MakeActive(db, "pg-a", 5);
  REQUIRE(db.repository.Increment(server.id, std::nullopt, Within()).ok());
  REQUIRE(db.repository.Increment(server.id, std::nullopt, Within()).ok());
  DbServerChanges changes;
  changes.host = "elsewhere";

  SECTION("unknown id") {
    CHECK(CodeAndReason(
              db.repository.Update(kMissingId, changes, std::nullopt, {}, std::nullopt, Within())
                  .status()) == "NOT_FOUND DB_SERVER_NOT_FOUND");
  }
  SECTION("stale etag") {
    CHECK(CodeAndReason(
              db.repository.Update(server.id, changes, server.version, {}, std::nullopt, Within())
                  .status()) == "ABORTED ETAG_MISMATCH");
  }
  SECTION("a state the rules do not allow is refused, and explained from the current row") {
    int seen_count = -1;
    DbServerChanges drain = changes;
    drain.state = DbServerState::kDraining;
    dbs::instance::UpdateRules rules;
    rules.allowed_from = {DbServerState::kProvisioning};  // the row is ACTIVE
    rules.explain = [&](const DbServerRecord& current) {
      seen_count = current.instance_count;
      return dbs::errors::MakeError(absl::StatusCode::kFailedPrecondition, "no",
                                    ::instance::v1::INVALID_STATE_TRANSITION);
    };
    auto refused =
        db.repository.Update(server.id, drain, std::nullopt, rules, std::nullopt, Within());
    CHECK(seen_count == 2);
    CHECK(CodeAndReason(refused.status()) == "FAILED_PRECONDITION INVALID_STATE_TRANSITION");
    CHECK(db.Scalar("SELECT state FROM db_servers") == "ACTIVE");
  }
  SECTION("max_instances below instance_count") {
    DbServerChanges shrink;
    shrink.max_instances = 1;
    CHECK(CodeAndReason(
              db.repository.Update(server.id, shrink, std::nullopt, {}, std::nullopt, Within())
                  .status()) == "FAILED_PRECONDITION CAPACITY_BELOW_COUNT");
  }
  CHECK(db.Scalar("SELECT host FROM db_servers") == "pg-a.db.internal");
  CHECK(db.Scalar("SELECT version FROM db_servers") == std::to_string(server.version + 2));
}

TEST_CASE("Delete removes an unused server, honouring allow_missing and etag") {
  MigratedDatabase db;
  auto created = db.repository.Create(NewServer("pg-a"), std::nullopt, Within());
  REQUIRE(created.ok());
  CHECK(CodeAndReason(db.repository.Delete(created->id, created->version + 1, false, std::nullopt,
                                           Within())) == "ABORTED ETAG_MISMATCH");
  CHECK(db.repository.Delete(created->id, created->version, false, std::nullopt, Within()).ok());
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "0");
  CHECK(CodeAndReason(db.repository.Delete(created->id, std::nullopt, false, std::nullopt,
                                           Within())) == "NOT_FOUND DB_SERVER_NOT_FOUND");
  CHECK(db.repository.Delete(created->id, std::nullopt, true, std::nullopt, Within()).ok());
}

TEST_CASE("Delete while in use is FAILED_PRECONDITION DB_SERVER_IN_USE and keeps row and FK") {
  MigratedDatabase db;
  auto server = MakeActive(db, "pg-a");

  SECTION("instance_count > 0") {
    REQUIRE(db.repository.Increment(server.id, std::nullopt, Within()).ok());
    CHECK(CodeAndReason(db.repository.Delete(server.id, std::nullopt, false, std::nullopt,
                                             Within())) == "FAILED_PRECONDITION DB_SERVER_IN_USE");
  }
  SECTION("an instances row references it") {
    db.Scalar("INSERT INTO instances (db_server_id, name) VALUES ('" + server.id +
              "', 'tenant-1')");
    CHECK(CodeAndReason(db.repository.Delete(server.id, std::nullopt, false, std::nullopt,
                                             Within())) == "FAILED_PRECONDITION DB_SERVER_IN_USE");
    CHECK(db.Scalar("SELECT count(*) FROM instances WHERE db_server_id = '" + server.id + "'") ==
          "1");
    CHECK(db.Scalar("SELECT count(*) FROM pg_constraint WHERE conname = "
                    "'instances_db_server_id_fkey'") == "1");
  }
  CHECK(db.Scalar("SELECT count(*) FROM db_servers") == "1");
}

TEST_CASE("Delete with a request id replays OK after the row is gone") {
  MigratedDatabase db;
  auto created = db.repository.Create(NewServer("pg-a"), std::nullopt, Within());
  REQUIRE(created.ok());
  const auto request = Request("22222222-2222-4222-8222-222222222222", "Delete:" + created->id);
  CHECK(db.repository.Delete(created->id, std::nullopt, false, request, Within()).ok());
  CHECK(db.repository.Delete(created->id, std::nullopt, false, request, Within()).ok());
}

TEST_CASE("FindAvailable picks the least-loaded ACTIVE HEALTHY server with a free slot") {
  MigratedDatabase db;
  auto busy = MakeActive(db, "pg-busy", 10);
  auto idle = MakeActive(db, "pg-idle", 100);
  auto other_type = MakeActive(db, "my-a", 10, "mysql");
  auto provisioning = db.repository.Create(NewServer("pg-new", 1000), std::nullopt, Within());
  REQUIRE(provisioning.ok());
  for (int i = 0; i < 5; ++i)
    REQUIRE(db.repository.Increment(busy.id, std::nullopt, Within()).ok());
  for (int i = 0; i < 5; ++i)
    REQUIRE(db.repository.Increment(idle.id, std::nullopt, Within()).ok());

  auto found = db.repository.FindAvailable("postgres", Within());
  REQUIRE(found.ok());
  CHECK(found->id == idle.id);  // 5/100 beats 5/10
  CHECK(found->instance_count == 5);
  CHECK(db.Scalar("SELECT sum(instance_count) FROM db_servers") == "10");  // reserved nothing

  CHECK(CodeAndReason(db.repository.FindAvailable("oracle", Within()).status()) ==
        "NOT_FOUND NO_AVAILABLE_DB_SERVER");
  (void)other_type;
}

TEST_CASE("FindAvailable is an index scan on db_servers_available_idx") {
  MigratedDatabase db;
  const std::string plan = db.Scalar(
      "SET enable_seqscan = off; "
      "EXPLAIN (FORMAT JSON) SELECT id FROM db_servers WHERE server_type = 'postgres' "
      "AND state = 'ACTIVE' AND health = 'HEALTHY' AND instance_count < max_instances "
      "ORDER BY server_type, (instance_count::float8 / max_instances), id LIMIT 1");
  CHECK_THAT(plan, Catch::Contains("db_servers_available_idx"));
}

TEST_CASE("Increment counts up to max_instances, then DB_SERVER_FULL") {
  MigratedDatabase db;
  auto server = MakeActive(db, "pg-a", 2);
  auto one = db.repository.Increment(server.id, std::nullopt, Within());
  REQUIRE(one.ok());
  CHECK(one->instance_count == 1);
  CHECK(one->version == server.version + 1);
  REQUIRE(db.repository.Increment(server.id, std::nullopt, Within()).ok());
  const absl::Status full = db.repository.Increment(server.id, std::nullopt, Within()).status();
  CHECK(CodeAndReason(full) == "FAILED_PRECONDITION DB_SERVER_FULL");
  CHECK(dbs::errors::MetadataOf(full) ==
        std::map<std::string, std::string>{{"instance_count", "2"}, {"max_instances", "2"}});
  CHECK(CodeAndReason(db.repository.Increment(kMissingId, std::nullopt, Within()).status()) ==
        "NOT_FOUND DB_SERVER_NOT_FOUND");
  CHECK(db.Scalar("SELECT instance_count FROM db_servers") == "2");
}

TEST_CASE("Increment of a server that is not ACTIVE is DB_SERVER_NOT_ACTIVE") {
  MigratedDatabase db;
  auto created = db.repository.Create(NewServer("pg-a"), std::nullopt, Within());
  REQUIRE(created.ok());
  const absl::Status inactive =
      db.repository.Increment(created->id, std::nullopt, Within()).status();
  CHECK(CodeAndReason(inactive) == "FAILED_PRECONDITION DB_SERVER_NOT_ACTIVE");
  CHECK(dbs::errors::MetadataOf(inactive).at("state") == "STATE_PROVISIONING");
  CHECK(db.Scalar("SELECT instance_count FROM db_servers") == "0");
}

TEST_CASE("Increment with the same request id twice counts once and answers the same") {
  MigratedDatabase db;
  auto server = MakeActive(db, "pg-a");
  const auto request = Request("33333333-3333-4333-8333-333333333333", "Increment:" + server.id);
  auto first = db.repository.Increment(server.id, request, Within());
  auto second = db.repository.Increment(server.id, request, Within());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->instance_count == 1);
  CHECK(second->instance_count == 1);
  CHECK(second->version == first->version);
  CHECK(second->update_time == first->update_time);
  CHECK(db.Scalar("SELECT instance_count FROM db_servers") == "1");

  SECTION("the same id with another fingerprint is INVALID_ARGUMENT REQUEST_ID_REUSED") {
    auto reused = db.repository.Increment(
        server.id, Request(request.request_id, "Decrement:" + server.id), Within());
    CHECK(CodeAndReason(reused.status()) == "INVALID_ARGUMENT REQUEST_ID_REUSED");
    CHECK(db.Scalar("SELECT instance_count FROM db_servers") == "1");
  }
  SECTION("a failed call is not recorded: the retry runs again") {
    const auto failing = Request("44444444-4444-4444-8444-444444444444", "Increment:missing");
    CHECK(db.repository.Increment(kMissingId, failing, Within()).status().code() ==
          absl::StatusCode::kNotFound);
    CHECK(db.Scalar("SELECT count(*) FROM request_ids WHERE request_id = '" + failing.request_id +
                    "'") == "0");
  }
  SECTION("a request id older than 24 h is expired: purged and reusable") {
    db.Scalar("UPDATE request_ids SET created_at = now() - interval '25 hours'");
    auto again = db.repository.Increment(server.id, request, Within());
    REQUIRE(again.ok());
    CHECK(again->instance_count == 2);
    db.Scalar("UPDATE request_ids SET created_at = now() - interval '25 hours'");
    auto purged = db.repository.PurgeExpiredRequestIds(Within());
    REQUIRE(purged.ok());
    CHECK(*purged == 1);
  }
  SECTION("a request id that is not a UUID is INVALID_ARGUMENT INVALID_FIELD") {
    CHECK(CodeAndReason(
              db.repository.Increment(server.id, Request("nope", "x"), Within()).status()) ==
          "INVALID_ARGUMENT INVALID_FIELD");
  }
}

TEST_CASE("Decrement releases a slot in any state and stops at 0 with DB_SERVER_EMPTY") {
  MigratedDatabase db;
  auto server = MakeActive(db, "pg-a");
  REQUIRE(db.repository.Increment(server.id, std::nullopt, Within()).ok());
  DbServerChanges drain;
  drain.state = DbServerState::kDraining;
  REQUIRE(db.repository.Update(server.id, drain, std::nullopt, {}, std::nullopt, Within()).ok());
  auto released = db.repository.Decrement(server.id, std::nullopt, Within());
  REQUIRE(released.ok());
  CHECK(released->instance_count == 0);
  CHECK(CodeAndReason(db.repository.Decrement(server.id, std::nullopt, Within()).status()) ==
        "FAILED_PRECONDITION DB_SERVER_EMPTY");
  CHECK(CodeAndReason(db.repository.Decrement(kMissingId, std::nullopt, Within()).status()) ==
        "NOT_FOUND DB_SERVER_NOT_FOUND");
}

TEST_CASE("Allocate increments the least-loaded eligible server, then NO_CAPACITY") {
  MigratedDatabase db;
  auto small = MakeActive(db, "pg-small", 1);
  auto large = MakeActive(db, "pg-large", 2);
  auto degraded = MakeActive(db, "pg-degraded", 100);
  DbServerChanges sick;
  sick.health = DbServerHealth::kDegraded;
  REQUIRE(db.repository.Update(degraded.id, sick, std::nullopt, {}, std::nullopt, Within()).ok());
  REQUIRE(db.repository.Create(NewServer("pg-new", 100), std::nullopt, Within()).ok());
  auto first = db.repository.Allocate("postgres", std::nullopt, Within());
  REQUIRE(first.ok());
  // Both at 0 load: ties go to the lower id.
  CHECK(first->id == std::min(small.id, large.id));
  CHECK(first->instance_count == 1);
  REQUIRE(db.repository.Allocate("postgres", std::nullopt, Within()).ok());
  REQUIRE(db.repository.Allocate("postgres", std::nullopt, Within()).ok());
  CHECK(CodeAndReason(db.repository.Allocate("postgres", std::nullopt, Within()).status()) ==
        "RESOURCE_EXHAUSTED NO_CAPACITY");
  CHECK(db.Scalar("SELECT string_agg(instance_count || '/' || max_instances, ',' "
                  "ORDER BY display_name) FROM db_servers") == "0/100,2/2,0/100,1/1");
}

TEST_CASE("Allocate with a request id replays the same server without a second slot") {
  MigratedDatabase db;
  MakeActive(db, "pg-a", 10);
  MakeActive(db, "pg-b", 10);
  const auto request = Request("55555555-5555-4555-8555-555555555555", "Allocate:postgres");
  auto first = db.repository.Allocate("postgres", request, Within());
  auto second = db.repository.Allocate("postgres", request, Within());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(second->id == first->id);
  CHECK(db.Scalar("SELECT sum(instance_count) FROM db_servers") == "1");
}

TEST_CASE("a call whose deadline already passed is DEADLINE_EXCEEDED QUERY_TIMEOUT") {
  MigratedDatabase db;
  dbs::instance::RepositoryCall past;
  past.deadline = absl::Now() - absl::Seconds(1);
  CHECK(CodeAndReason(db.repository.Get(kMissingId, past).status()) ==
        "DEADLINE_EXCEEDED QUERY_TIMEOUT");
}
