// DbServerHandlers over InMemoryDbServerRepository: the RPCs' semantics
// (validation, state rules, capacity, etags, request-id replay, paging, errors
// with their reasons and ErrorInfo metadata) without PostgreSQL or gRPC. The
// PostgreSQL repository keeps its own integration tests; these run in
// milliseconds.
#include "instance_service/service/db_server_handlers.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "errors/error_status.h"
#include "identity/uuid.h"
#include "instance_service/repository/in_memory_db_server_repository.h"

namespace dbs::instance {
namespace {

namespace v1 = ::instance::v1;

absl::Time Soon() { return absl::Now() + absl::Seconds(5); }

class Handlers {
 public:
  Handlers()
      : repository_(std::make_shared<InMemoryDbServerRepository>()), handlers_(repository_) {}

  absl::StatusOr<v1::DbServer> Create(const std::string& name, int max_instances,
                                      const std::string& request_id = "") {
    v1::CreateDbServerRequest request;
    v1::DbServer& pool = *request.mutable_db_server();
    pool.set_display_name(name);
    pool.set_host("pool.example.internal");
    pool.set_port(5432);
    pool.set_server_type("postgres");
    pool.set_max_instances(max_instances);
    request.set_request_id(request_id);
    v1::CreateDbServerResponse response;
    absl::Status status = handlers_.CreateDbServer(request, Soon(), &response);
    if (!status.ok()) return status;
    return response.db_server();
  }

  absl::StatusOr<v1::DbServer> Update(const v1::DbServer& changes,
                                      const std::vector<std::string>& paths) {
    v1::UpdateDbServerRequest request;
    *request.mutable_db_server() = changes;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    v1::UpdateDbServerResponse response;
    absl::Status status = handlers_.UpdateDbServer(request, Soon(), &response);
    if (!status.ok()) return status;
    return response.db_server();
  }

  absl::StatusOr<v1::DbServer> Activate(const std::string& id) {
    v1::DbServer changes;
    changes.set_id(id);
    changes.set_state(v1::DbServer::STATE_ACTIVE);
    changes.set_health(v1::DbServer::HEALTH_HEALTHY);
    return Update(changes, {"state", "health"});
  }

  // Create, then Activate: a pool that takes slots, as last written.
  absl::StatusOr<v1::DbServer> CreateActive(const std::string& name, int max_instances) {
    auto pool = Create(name, max_instances);
    if (!pool.ok()) return pool;
    return Activate(pool->id());
  }

  absl::StatusOr<v1::DbServer> Increment(const std::string& id,
                                         const std::string& request_id = "") {
    v1::IncrementInstanceCountRequest request;
    request.set_id(id);
    request.set_request_id(request_id);
    v1::IncrementInstanceCountResponse response;
    absl::Status status = handlers_.IncrementInstanceCount(request, Soon(), &response);
    if (!status.ok()) return status;
    return response.db_server();
  }

  absl::StatusOr<v1::DbServer> Allocate() {
    v1::AllocateDbServerRequest request;
    request.set_server_type("postgres");
    v1::AllocateDbServerResponse response;
    absl::Status status = handlers_.AllocateDbServer(request, Soon(), &response);
    if (!status.ok()) return status;
    return response.db_server();
  }

  absl::StatusOr<v1::ListDbServersResponse> List(int page_size, const std::string& token,
                                                 const std::string& filter = "") {
    v1::ListDbServersRequest request;
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_filter(filter);
    v1::ListDbServersResponse response;
    absl::Status status = handlers_.ListDbServers(request, Soon(), &response);
    if (!status.ok()) return status;
    return response;
  }

  const DbServerHandlers& handlers() const { return handlers_; }
  InMemoryDbServerRepository& repository() { return *repository_; }

 private:
  std::shared_ptr<InMemoryDbServerRepository> repository_;
  DbServerHandlers handlers_;
};

TEST_CASE("Create then Get answers the stored db server, PROVISIONING with etag and times") {
  Handlers h;
  auto created = h.Create("pool-a", 3);
  REQUIRE(created.ok());
  CHECK(identity::IsUuid(created->id(), /*lowercase_only=*/true));
  CHECK(created->state() == v1::DbServer::STATE_PROVISIONING);
  CHECK_FALSE(created->etag().empty());
  v1::GetDbServerRequest get;
  get.set_id(created->id());
  v1::GetDbServerResponse response;
  REQUIRE(h.handlers().GetDbServer(get, Soon(), &response).ok());
  CHECK(response.db_server().display_name() == "pool-a");
  CHECK(response.db_server().etag() == created->etag());
}

TEST_CASE("A bad request is INVALID_ARGUMENT with a BadRequest naming the field") {
  Handlers h;
  auto created = h.Create("", 3);
  REQUIRE_FALSE(created.ok());
  CHECK(created.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(errors::ReasonOf(created.status()) == v1::INVALID_FIELD);
  const auto violations = errors::ViolationsOf(created.status());
  CHECK(std::any_of(violations.begin(), violations.end(), [](const errors::FieldViolation& v) {
    return v.field == "db_server.display_name";
  }));
}

TEST_CASE("A taken display_name is ALREADY_EXISTS DISPLAY_NAME_TAKEN") {
  Handlers h;
  REQUIRE(h.Create("pool-a", 3).ok());
  auto again = h.Create("pool-a", 3);
  CHECK(again.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(errors::ReasonOf(again.status()) == v1::DISPLAY_NAME_TAKEN);
  CHECK(errors::MetadataOf(again.status()).at("display_name") == "pool-a");
}

TEST_CASE("Get of an unknown id is NOT_FOUND with the id in the metadata") {
  Handlers h;
  const std::string id = identity::NewRandomUuid();
  v1::GetDbServerRequest get;
  get.set_id(id);
  v1::GetDbServerResponse response;
  const absl::Status status = h.handlers().GetDbServer(get, Soon(), &response);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(errors::ReasonOf(status) == v1::DB_SERVER_NOT_FOUND);
  CHECK(errors::MetadataOf(status).at("id") == id);
}

TEST_CASE("Increment is refused on a pool that is not ACTIVE, naming its state") {
  Handlers h;
  auto pool = h.Create("pool-a", 3);
  REQUIRE(pool.ok());
  auto refused = h.Increment(pool->id());
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(errors::ReasonOf(refused.status()) == v1::DB_SERVER_NOT_ACTIVE);
  CHECK(errors::MetadataOf(refused.status()).at("state") == "STATE_PROVISIONING");
}

TEST_CASE("Increment fills a pool up to max_instances, then DB_SERVER_FULL with the counts") {
  Handlers h;
  auto pool = h.Create("pool-a", 2);
  REQUIRE(pool.ok());
  REQUIRE(h.Activate(pool->id()).ok());
  REQUIRE(h.Increment(pool->id()).ok());
  auto second = h.Increment(pool->id());
  REQUIRE(second.ok());
  CHECK(second->instance_count() == 2);
  auto full = h.Increment(pool->id());
  CHECK(errors::ReasonOf(full.status()) == v1::DB_SERVER_FULL);
  CHECK(errors::MetadataOf(full.status()) ==
        errors::ErrorMetadata{{"id", pool->id()}, {"instance_count", "2"}, {"max_instances", "2"}});
}

TEST_CASE("A request id replays the first answer, and reused for another request it is refused") {
  Handlers h;
  auto pool = h.Create("pool-a", 5);
  REQUIRE(pool.ok());
  REQUIRE(h.Activate(pool->id()).ok());
  const std::string request_id = identity::NewRandomUuid();
  auto first = h.Increment(pool->id(), request_id);
  auto replay = h.Increment(pool->id(), request_id);
  REQUIRE(first.ok());
  REQUIRE(replay.ok());
  CHECK(replay->instance_count() == 1);
  CHECK(replay->etag() == first->etag());

  auto other = h.Create("pool-b", 5, request_id);
  CHECK(other.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(errors::ReasonOf(other.status()) == v1::REQUEST_ID_REUSED);
  const auto violations = errors::ViolationsOf(other.status());
  REQUIRE(violations.size() == 1);
  CHECK(violations.front().field == "request_id");
}

TEST_CASE("An update with a stale etag is ABORTED ETAG_MISMATCH and changes nothing") {
  Handlers h;
  auto pool = h.Create("pool-a", 3);
  REQUIRE(pool.ok());
  auto active = h.Activate(pool->id());
  REQUIRE(active.ok());
  v1::DbServer changes;
  changes.set_id(pool->id());
  changes.set_etag(pool->etag());  // from before the activation
  changes.set_max_instances(9);
  auto stale = h.Update(changes, {"max_instances"});
  CHECK(stale.status().code() == absl::StatusCode::kAborted);
  CHECK(errors::ReasonOf(stale.status()) == v1::ETAG_MISMATCH);
  changes.set_etag(active->etag());
  auto fresh = h.Update(changes, {"max_instances"});
  REQUIRE(fresh.ok());
  CHECK(fresh->max_instances() == 9);
}

TEST_CASE("An update to the current values keeps the etag and update_time, a change moves them") {
  Handlers h;
  auto active = h.CreateActive("pool-a", 3);
  REQUIRE(active.ok());
  v1::DbServer same = *active;  // every field as stored, with the current etag
  auto state = h.Update(same, {"state"});
  REQUIRE(state.ok());
  CHECK(state->etag() == active->etag());
  CHECK(state->update_time().SerializeAsString() == active->update_time().SerializeAsString());
  auto all = h.Update(same, {"state", "health", "health_message", "last_health_check_time",
                             "max_instances", "host", "port", "labels"});
  REQUIRE(all.ok());
  CHECK(all->etag() == active->etag());
  CHECK(all->update_time().SerializeAsString() == active->update_time().SerializeAsString());

  // The etag read before the no-ops still writes; the change moves it.
  v1::DbServer change = same;
  change.set_host("moved.example.internal");
  auto moved = h.Update(change, {"host"});
  REQUIRE(moved.ok());
  CHECK(moved->host() == "moved.example.internal");
  CHECK(moved->etag() != active->etag());
  auto stale = h.Update(same, {"state"});
  CHECK(errors::ReasonOf(stale.status()) == v1::ETAG_MISMATCH);
}

TEST_CASE("A transition the state machine forbids is INVALID_STATE_TRANSITION") {
  Handlers h;
  auto pool = h.Create("pool-a", 3);
  REQUIRE(pool.ok());
  v1::DbServer changes;
  changes.set_id(pool->id());
  changes.set_state(v1::DbServer::STATE_DRAINING);
  auto refused = h.Update(changes, {"state"});
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(errors::ReasonOf(refused.status()) == v1::INVALID_STATE_TRANSITION);
}

TEST_CASE("max_instances below the instance count is CAPACITY_BELOW_COUNT") {
  Handlers h;
  auto pool = h.Create("pool-a", 3);
  REQUIRE(pool.ok());
  REQUIRE(h.Activate(pool->id()).ok());
  REQUIRE(h.Increment(pool->id()).ok());
  REQUIRE(h.Increment(pool->id()).ok());
  v1::DbServer changes;
  changes.set_id(pool->id());
  changes.set_max_instances(1);
  auto refused = h.Update(changes, {"max_instances"});
  CHECK(errors::ReasonOf(refused.status()) == v1::CAPACITY_BELOW_COUNT);
  CHECK(errors::MetadataOf(refused.status()).at("instance_count") == "2");
}

TEST_CASE("Allocate takes the least-loaded eligible pool, and none left is NO_CAPACITY") {
  Handlers h;
  auto a = h.Create("pool-a", 2);
  auto b = h.Create("pool-b", 4);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(h.Activate(a->id()).ok());
  REQUIRE(h.Activate(b->id()).ok());
  std::vector<std::string> picked;
  for (int i = 0; i < 6; ++i) {
    auto allocated = h.Allocate();
    REQUIRE(allocated.ok());
    picked.push_back(allocated->display_name());
  }
  // Loads compared as instance_count / max_instances after each allocation.
  CHECK(std::count(picked.begin(), picked.end(), "pool-a") == 2);
  CHECK(std::count(picked.begin(), picked.end(), "pool-b") == 4);
  auto none = h.Allocate();
  CHECK(none.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(errors::ReasonOf(none.status()) == v1::NO_CAPACITY);
  CHECK(errors::MetadataOf(none.status()).at("server_type") == "postgres");
}

TEST_CASE("List pages through every match in display_name order with a filter") {
  Handlers h;
  for (const char* name : {"pool-c", "pool-a", "pool-e", "pool-b", "pool-d"}) {
    REQUIRE(h.Create(name, 3).ok());
  }
  auto c = h.List(1, "", "display_name = \"pool-c\"");
  REQUIRE(c.ok());
  REQUIRE(c->db_servers_size() == 1);
  CHECK(c->next_page_token().empty());

  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    auto page = h.List(2, token, "server_type = \"postgres\"");
    REQUIRE(page.ok());
    for (const auto& pool : page->db_servers()) names.push_back(pool.display_name());
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  CHECK(names == std::vector<std::string>{"pool-a", "pool-b", "pool-c", "pool-d", "pool-e"});
  CHECK(pages == 3);

  auto mismatched = h.List(2, h.List(2, "", "server_type = \"postgres\"")->next_page_token(),
                           "server_type = \"mysql\"");
  CHECK(mismatched.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Delete refuses a pool that hosts instances, then removes it once empty") {
  Handlers h;
  auto pool = h.Create("pool-a", 3);
  REQUIRE(pool.ok());
  h.repository().SetReferencedByInstances(pool->id(), true);
  v1::DeleteDbServerRequest request;
  request.set_id(pool->id());
  v1::DeleteDbServerResponse response;
  const absl::Status in_use = h.handlers().DeleteDbServer(request, Soon(), &response);
  CHECK(errors::ReasonOf(in_use) == v1::DB_SERVER_IN_USE);
  h.repository().SetReferencedByInstances(pool->id(), false);
  CHECK(h.handlers().DeleteDbServer(request, Soon(), &response).ok());
  const absl::Status gone = h.handlers().DeleteDbServer(request, Soon(), &response);
  CHECK(errors::ReasonOf(gone) == v1::DB_SERVER_NOT_FOUND);
  request.set_allow_missing(true);
  CHECK(h.handlers().DeleteDbServer(request, Soon(), &response).ok());
}

TEST_CASE("A call whose deadline has passed does nothing and is DEADLINE_EXCEEDED") {
  Handlers h;
  v1::CreateDbServerRequest request;
  v1::DbServer& pool = *request.mutable_db_server();
  pool.set_display_name("pool-a");
  pool.set_host("pool.example.internal");
  pool.set_port(5432);
  pool.set_server_type("postgres");
  pool.set_max_instances(3);
  v1::CreateDbServerResponse response;
  const absl::Status late =
      h.handlers().CreateDbServer(request, absl::Now() - absl::Seconds(1), &response);
  CHECK(late.code() == absl::StatusCode::kDeadlineExceeded);
  auto listed = h.List(10, "");
  REQUIRE(listed.ok());
  CHECK(listed->db_servers_size() == 0);
}

}  // namespace
}  // namespace dbs::instance
