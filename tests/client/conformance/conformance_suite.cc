// One behavioural specification of instance.v1.DbServerService as seen through
// InstanceServiceClient. Linked into two executables: against the in-memory fake
// (unit) and against the real instance-service on PostgreSQL (integration).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/error_reason.h"
#include "client/instance_service_client.h"
#include "tests/client/conformance/conformance_backend.h"
#include "tests/support/client_pools.h"

namespace dbs::client::conformance {
namespace {

namespace v1 = ::instance::v1;

constexpr char kUnknownId[] = "00000000-0000-4000-8000-000000000000";

v1::DbServer NewPool(const std::string& name, int max_instances = 10,
                     const std::string& server_type = "postgres") {
  v1::DbServer pool;
  pool.set_display_name(name);
  pool.set_host("10.0.0.1");
  pool.set_port(5432);
  pool.set_server_type(server_type);
  pool.set_max_instances(max_instances);
  (*pool.mutable_labels())["region"] = "eu";
  return pool;
}

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* path : paths) mask.add_paths(path);
  return mask;
}

v1::DbServer Create(const InstanceServiceClient& client, const v1::DbServer& pool) {
  auto created = client.CreateDbServer(pool);
  REQUIRE(created.ok());
  return *created;
}

int CountOf(const InstanceServiceClient& client, const std::string& id) {
  auto pool = client.GetDbServer(id);
  REQUIRE(pool.ok());
  return pool->instance_count();
}

// Requires `result` (an absl::Status) to have code absl::StatusCode::k`expected`
// and ErrorInfo reason `reason`.
#define REQUIRE_ERROR(result, expected, reason)              \
  do {                                                       \
    const absl::Status status_ = (result);                   \
    INFO(status_);                                           \
    REQUIRE(status_.code() == absl::StatusCode::expected);   \
    REQUIRE(dbs::errors::ReasonNameOf(status_) == (reason)); \
  } while (false)

TEST_CASE("CreateDbServer stores a PROVISIONING pool with an id, an etag and no instances") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer created = Create(client, NewPool("pg-1"));
  CHECK(created.id().size() == 36);
  CHECK_FALSE(created.etag().empty());
  CHECK(created.state() == v1::DbServer::STATE_PROVISIONING);
  CHECK(created.health() == v1::DbServer::HEALTH_UNSPECIFIED);
  CHECK(created.instance_count() == 0);
  CHECK(created.max_instances() == 10);
  CHECK(created.labels().at("region") == "eu");
  CHECK(created.create_time().seconds() > 0);

  auto read = client.GetDbServer(created.id());
  REQUIRE(read.ok());
  CHECK(read->display_name() == "pg-1");
  CHECK(read->etag() == created.etag());
}

TEST_CASE("CreateDbServer with a display_name in use is ALREADY_EXISTS DISPLAY_NAME_TAKEN") {
  auto backend = MakeBackend();
  auto client = backend->client();
  Create(client, NewPool("pg-1"));
  REQUIRE_ERROR(client.CreateDbServer(NewPool("pg-1")).status(), kAlreadyExists,
                "DISPLAY_NAME_TAKEN");
}

TEST_CASE("CreateDbServer with malformed fields is INVALID_ARGUMENT naming each field") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::DbServer bad = NewPool("Not_A_Label");
  bad.set_port(70000);
  auto created = client.CreateDbServer(bad);
  REQUIRE_ERROR(created.status(), kInvalidArgument, "INVALID_FIELD");
  std::set<std::string> fields;
  for (const FieldViolation& violation : dbs::errors::ViolationsOf(created.status())) {
    fields.insert(violation.field);
  }
  CHECK(fields.count("db_server.display_name") == 1);
  CHECK(fields.count("db_server.port") == 1);

  v1::DbServer no_capacity = NewPool("pg-2");
  no_capacity.set_max_instances(0);
  REQUIRE_ERROR(client.CreateDbServer(no_capacity).status(), kInvalidArgument, "INVALID_FIELD");
}

TEST_CASE("CreateDbServer repeated with the same request_id returns the first pool") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::CreateDbServerRequest request;
  *request.mutable_db_server() = NewPool("pg-1");
  request.set_request_id("3f0c1d52-5b0e-4c7a-9d7e-2f1c0b6a9e11");
  auto first = client.CreateDbServer(request);
  auto again = client.CreateDbServer(request);
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(again->id() == first->id());
  auto all = client.ListAllDbServers();
  REQUIRE(all.ok());
  CHECK(all->size() == 1);
}

TEST_CASE("A request_id reused for a different request is INVALID_ARGUMENT REQUEST_ID_REUSED") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::CreateDbServerRequest request;
  *request.mutable_db_server() = NewPool("pg-1");
  request.set_request_id("9a2e6c1b-7d3f-4e5a-8b9c-0d1e2f3a4b5c");
  REQUIRE(client.CreateDbServer(request).ok());
  request.mutable_db_server()->set_display_name("pg-2");
  REQUIRE_ERROR(client.CreateDbServer(request).status(), kInvalidArgument, "REQUEST_ID_REUSED");
}

TEST_CASE("GetDbServer of an unknown id is NOT_FOUND, of a malformed id INVALID_ARGUMENT") {
  auto backend = MakeBackend();
  auto client = backend->client();
  REQUIRE_ERROR(client.GetDbServer(kUnknownId).status(), kNotFound, "DB_SERVER_NOT_FOUND");
  CHECK(client.GetDbServer("not-a-uuid").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("UpdateDbServer changes only the masked fields and the etag") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer created = Create(client, NewPool("pg-1"));
  v1::DbServer change;
  change.set_id(created.id());
  change.set_max_instances(20);
  change.set_port(6543);  // not in the mask: must stay 5432
  auto updated = client.UpdateDbServer(change, Mask({"max_instances"}));
  REQUIRE(updated.ok());
  CHECK(updated->max_instances() == 20);
  CHECK(updated->port() == 5432);
  CHECK(updated->display_name() == "pg-1");
  CHECK(updated->etag() != created.etag());
}

TEST_CASE("UpdateDbServer to the current values keeps the etag and update_time") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1");
  auto same = client.UpdateDbServer(pool, Mask({"state", "host", "labels"}));
  REQUIRE(same.ok());
  CHECK(same->etag() == pool.etag());
  CHECK(same->update_time().SerializeAsString() == pool.update_time().SerializeAsString());
  v1::DbServer change = pool;  // still the etag read before the no-op
  change.set_max_instances(20);
  auto changed = client.UpdateDbServer(change, Mask({"max_instances"}));
  REQUIRE(changed.ok());
  CHECK(changed->etag() != pool.etag());
}

TEST_CASE("UpdateDbServer with a stale etag is ABORTED ETAG_MISMATCH and changes nothing") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::DbServer pool = Create(client, NewPool("pg-1"));
  v1::DbServer first = pool;
  first.set_max_instances(11);
  REQUIRE(client.UpdateDbServer(first, Mask({"max_instances"})).ok());
  v1::DbServer stale = pool;  // still carries the etag from before the first update
  stale.set_max_instances(12);
  REQUIRE_ERROR(client.UpdateDbServer(stale, Mask({"max_instances"})).status(), kAborted,
                "ETAG_MISMATCH");
  auto read = client.GetDbServer(pool.id());
  REQUIRE(read.ok());
  CHECK(read->max_instances() == 11);
}

TEST_CASE("UpdateDbServer with an empty mask or an immutable path is INVALID_UPDATE_MASK") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::DbServer pool = Create(client, NewPool("pg-1"));
  pool.clear_etag();
  REQUIRE_ERROR(client.UpdateDbServer(pool, Mask({})).status(), kInvalidArgument,
                "INVALID_UPDATE_MASK");
  REQUIRE_ERROR(client.UpdateDbServer(pool, Mask({"display_name"})).status(), kInvalidArgument,
                "INVALID_UPDATE_MASK");
}

TEST_CASE("UpdateDbServer of an unknown pool is NOT_FOUND DB_SERVER_NOT_FOUND") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::DbServer missing;
  missing.set_id(kUnknownId);
  missing.set_max_instances(5);
  REQUIRE_ERROR(client.UpdateDbServer(missing, Mask({"max_instances"})).status(), kNotFound,
                "DB_SERVER_NOT_FOUND");
}

TEST_CASE("A state change the lifecycle forbids is FAILED_PRECONDITION INVALID_STATE_TRANSITION") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::DbServer pool = Create(client, NewPool("pg-1"));
  pool.clear_etag();
  pool.set_state(v1::DbServer::STATE_DRAINING);  // PROVISIONING -> DRAINING is not allowed
  REQUIRE_ERROR(client.UpdateDbServer(pool, Mask({"state"})).status(), kFailedPrecondition,
                "INVALID_STATE_TRANSITION");
  pool.set_state(v1::DbServer::STATE_ACTIVE);
  CHECK(client.UpdateDbServer(pool, Mask({"state"})).ok());
}

TEST_CASE("IncrementInstanceCount on a pool that is not ACTIVE is DB_SERVER_NOT_ACTIVE") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = Create(client, NewPool("pg-1"));
  REQUIRE_ERROR(client.IncrementInstanceCount(pool.id()).status(), kFailedPrecondition,
                "DB_SERVER_NOT_ACTIVE");
  CHECK(CountOf(client, pool.id()) == 0);
}

TEST_CASE("IncrementInstanceCount fills a pool to max_instances, then is DB_SERVER_FULL") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1", 2);
  auto one = client.IncrementInstanceCount(pool.id());
  REQUIRE(one.ok());
  CHECK(one->instance_count() == 1);
  auto two = client.IncrementInstanceCount(pool.id());
  REQUIRE(two.ok());
  CHECK(two->instance_count() == 2);
  REQUIRE_ERROR(client.IncrementInstanceCount(pool.id()).status(), kFailedPrecondition,
                "DB_SERVER_FULL");
  CHECK(CountOf(client, pool.id()) == 2);
}

TEST_CASE("IncrementInstanceCount of an unknown pool is NOT_FOUND DB_SERVER_NOT_FOUND") {
  auto backend = MakeBackend();
  auto client = backend->client();
  REQUIRE_ERROR(client.IncrementInstanceCount(kUnknownId).status(), kNotFound,
                "DB_SERVER_NOT_FOUND");
}

TEST_CASE("IncrementInstanceCount repeated with the same request_id counts once") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1");
  v1::IncrementInstanceCountRequest request;
  request.set_id(pool.id());
  request.set_request_id("5d6e7f80-1a2b-4c3d-9e4f-5a6b7c8d9e0f");
  auto first = client.IncrementInstanceCount(request);
  auto replay = client.IncrementInstanceCount(request);
  REQUIRE(first.ok());
  REQUIRE(replay.ok());
  CHECK(replay->instance_count() == 1);
  CHECK(CountOf(client, pool.id()) == 1);
}

TEST_CASE("DecrementInstanceCount releases a slot, and at zero is DB_SERVER_EMPTY") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1");
  REQUIRE(client.IncrementInstanceCount(pool.id()).ok());
  auto released = client.DecrementInstanceCount(pool.id());
  REQUIRE(released.ok());
  CHECK(released->instance_count() == 0);
  REQUIRE_ERROR(client.DecrementInstanceCount(pool.id()).status(), kFailedPrecondition,
                "DB_SERVER_EMPTY");
}

TEST_CASE("max_instances below instance_count is FAILED_PRECONDITION CAPACITY_BELOW_COUNT") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1", 5);
  REQUIRE(client.IncrementInstanceCount(pool.id()).ok());
  REQUIRE(client.IncrementInstanceCount(pool.id()).ok());
  pool.clear_etag();
  pool.set_max_instances(1);
  REQUIRE_ERROR(client.UpdateDbServer(pool, Mask({"max_instances"})).status(), kFailedPrecondition,
                "CAPACITY_BELOW_COUNT");
  pool.set_max_instances(2);
  CHECK(client.UpdateDbServer(pool, Mask({"max_instances"})).ok());
}

TEST_CASE("DeleteDbServer refuses a pool in use, then deletes it once it is empty") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1");
  REQUIRE(client.IncrementInstanceCount(pool.id()).ok());
  REQUIRE_ERROR(client.DeleteDbServer(pool.id()), kFailedPrecondition, "DB_SERVER_IN_USE");
  REQUIRE(client.DecrementInstanceCount(pool.id()).ok());
  REQUIRE(client.DeleteDbServer(pool.id()).ok());
  REQUIRE_ERROR(client.GetDbServer(pool.id()).status(), kNotFound, "DB_SERVER_NOT_FOUND");
  REQUIRE_ERROR(client.DeleteDbServer(pool.id()), kNotFound, "DB_SERVER_NOT_FOUND");
  CHECK(client.DeleteDbServer(pool.id(), "", /*allow_missing=*/true).ok());
}

TEST_CASE("DeleteDbServer with a stale etag is ABORTED ETAG_MISMATCH") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::DbServer pool = Create(client, NewPool("pg-1"));
  const std::string stale = pool.etag();
  pool.set_max_instances(3);
  REQUIRE(client.UpdateDbServer(pool, Mask({"max_instances"})).ok());
  REQUIRE_ERROR(client.DeleteDbServer(pool.id(), stale), kAborted, "ETAG_MISMATCH");
  CHECK(client.GetDbServer(pool.id()).ok());
}

TEST_CASE("GetAvailablePool returns the least-loaded ACTIVE HEALTHY pool, or nothing") {
  auto backend = MakeBackend();
  auto client = backend->client();
  auto none = client.GetAvailablePool("postgres");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE_ERROR(client.FindAvailableDbServer("postgres").status(), kNotFound,
                "NO_AVAILABLE_DB_SERVER");

  Create(client, NewPool("pg-provisioning"));  // not ACTIVE: never chosen
  const v1::DbServer busy = dbs::testing::CreateActivePool(client, "pg-busy", 4);
  const v1::DbServer quiet = dbs::testing::CreateActivePool(client, "pg-quiet", 4);
  REQUIRE(client.IncrementInstanceCount(busy.id()).ok());
  REQUIRE(client.IncrementInstanceCount(busy.id()).ok());
  REQUIRE(client.IncrementInstanceCount(quiet.id()).ok());
  auto chosen = client.GetAvailablePool("postgres");
  REQUIRE(chosen.ok());
  REQUIRE(chosen->has_value());
  CHECK((*chosen)->id() == quiet.id());
  CHECK(CountOf(client, quiet.id()) == 1);  // advisory: nothing reserved

  auto other_type = client.GetAvailablePool("mysql");
  REQUIRE(other_type.ok());
  CHECK_FALSE(other_type->has_value());
  CHECK(client.GetAvailablePool("Bad Type").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("AllocateDbServer takes a slot on the least-loaded pool until none is left") {
  auto backend = MakeBackend();
  auto client = backend->client();
  REQUIRE_ERROR(client.AllocateDbServer("postgres").status(), kResourceExhausted, "NO_CAPACITY");
  const v1::DbServer a = dbs::testing::CreateActivePool(client, "pg-a", 1);
  const v1::DbServer b = dbs::testing::CreateActivePool(client, "pg-b", 2);
  std::vector<std::string> chosen;
  for (int i = 0; i < 3; ++i) {
    auto allocated = client.AllocateDbServer("postgres");
    REQUIRE(allocated.ok());
    chosen.push_back(allocated->id());
  }
  CHECK(std::count(chosen.begin(), chosen.end(), a.id()) == 1);
  CHECK(std::count(chosen.begin(), chosen.end(), b.id()) == 2);
  REQUIRE_ERROR(client.AllocateDbServer("postgres").status(), kResourceExhausted, "NO_CAPACITY");
  CHECK(CountOf(client, a.id()) == 1);
  CHECK(CountOf(client, b.id()) == 2);
}

TEST_CASE("AllocateDbServer repeated with the same request_id takes one slot") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1");
  v1::AllocateDbServerRequest request;
  request.set_server_type("postgres");
  request.set_request_id("0f1e2d3c-4b5a-4968-8776-655443322110");
  auto first = client.AllocateDbServer(request);
  auto replay = client.AllocateDbServer(request);
  REQUIRE(first.ok());
  REQUIRE(replay.ok());
  CHECK(replay->id() == first->id());
  CHECK(CountOf(client, pool.id()) == 1);
}

TEST_CASE("ListAllDbServers pages through every pool in display_name order") {
  auto backend = MakeBackend();
  auto client = backend->client();
  for (const char* name : {"pg-c", "pg-a", "pg-e", "pg-b", "pg-d"}) Create(client, NewPool(name));
  auto all = client.ListAllDbServers("", /*page_size=*/2);
  REQUIRE(all.ok());
  std::vector<std::string> names;
  for (const v1::DbServer& pool : *all) names.push_back(pool.display_name());
  CHECK(names == std::vector<std::string>{"pg-a", "pg-b", "pg-c", "pg-d", "pg-e"});

  v1::ListDbServersRequest first_page;
  first_page.set_page_size(2);
  auto page = client.ListDbServers(first_page);
  REQUIRE(page.ok());
  CHECK(page->db_servers_size() == 2);
  CHECK_FALSE(page->next_page_token().empty());
}

TEST_CASE("ListDbServers filters by server_type, state and labels") {
  auto backend = MakeBackend();
  auto client = backend->client();
  dbs::testing::CreateActivePool(client, "pg-active");
  Create(client, NewPool("pg-new"));
  Create(client, NewPool("my-new", 10, "mysql"));
  auto names = [&](const std::string& filter) {
    auto all = client.ListAllDbServers(filter);
    REQUIRE(all.ok());
    std::vector<std::string> result;
    for (const v1::DbServer& pool : *all) result.push_back(pool.display_name());
    return result;
  };
  CHECK(names("server_type = postgres") == std::vector<std::string>{"pg-active", "pg-new"});
  CHECK(names("server_type = \"postgres\" AND state = ACTIVE") ==
        std::vector<std::string>{"pg-active"});
  CHECK(names("state != STATE_ACTIVE AND labels.region = eu") ==
        std::vector<std::string>{"my-new", "pg-new"});
}

TEST_CASE("ListDbServers rejects a bad filter, page token or page size as INVALID_ARGUMENT") {
  auto backend = MakeBackend();
  auto client = backend->client();
  v1::ListDbServersRequest request;
  request.set_filter("no_such_field = 1");
  REQUIRE_ERROR(client.ListDbServers(request).status(), kInvalidArgument, "INVALID_FILTER");
  request.set_filter("server_type = postgres AND");
  REQUIRE_ERROR(client.ListDbServers(request).status(), kInvalidArgument, "INVALID_FILTER");
  request.Clear();
  request.set_page_token("not-a-token");
  REQUIRE_ERROR(client.ListDbServers(request).status(), kInvalidArgument, "INVALID_PAGE_TOKEN");
  request.Clear();
  request.set_page_size(-1);
  CHECK(client.ListDbServers(request).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("The non-blocking forms give the same results as the blocking ones") {
  auto backend = MakeBackend();
  auto client = backend->client();
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-1", 1);
  v1::IncrementInstanceCountRequest increment;
  increment.set_id(pool.id());
  // Two concurrent increments of a pool with one slot: one takes it, one is full.
  auto one = client.AsyncIncrementInstanceCount(increment);  // a new request_id each call
  auto two = client.AsyncIncrementInstanceCount(increment);
  auto available = client.AsyncGetAvailablePool("postgres");
  std::vector<absl::Status> outcomes = {one.get().status(), two.get().status()};
  REQUIRE(available.get().ok());
  CHECK(std::count_if(outcomes.begin(), outcomes.end(),
                      [](const absl::Status& s) { return s.ok(); }) == 1);
  CHECK(std::count_if(outcomes.begin(), outcomes.end(), [](const absl::Status& s) {
          return dbs::errors::ReasonOf(s) == ::instance::v1::DB_SERVER_FULL;
        }) == 1);
  auto read = client.AsyncGetDbServer(pool.id()).get();
  REQUIRE(read.ok());
  CHECK(read->instance_count() == 1);
}

}  // namespace
}  // namespace dbs::client::conformance
