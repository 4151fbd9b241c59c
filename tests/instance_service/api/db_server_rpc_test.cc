// Every RPC of instance.v1.DbServerService against the real binary on real
// PostgreSQL: the success path and each documented error, with code and reason.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/instance_service/api/pool_builders.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/rpc_error.h"

namespace {

namespace v1 = ::instance::v1;
using dbs::testing::ContextWithDeadline;
using dbs::testing::CreateActivePool;
using dbs::testing::CreatePool;
using dbs::testing::ErrorInfoOf;
using dbs::testing::InstanceServiceUnderTest;
using dbs::testing::NewPool;
using dbs::testing::NewRequestId;
using dbs::testing::QueryScalar;
using dbs::testing::SetStateAndHealth;
using dbs::testing::ViolationFieldsOf;

constexpr char kMissingId[] = "00000000-0000-4000-8000-000000000000";

std::string Reason(const grpc::Status& status) { return ErrorInfoOf(status).reason(); }

void ExpectError(const grpc::Status& status, grpc::StatusCode code, const std::string& reason) {
  INFO(status.error_message());
  CHECK(status.error_code() == code);
  CHECK(Reason(status) == reason);
}

// UpdateDbServer: `changes` holds the id, optional etag and new values; `paths` the mask.
grpc::Status Update(InstanceServiceUnderTest& service, const v1::DbServer& changes,
                    std::initializer_list<const char*> paths,
                    v1::UpdateDbServerResponse* response) {
  v1::UpdateDbServerRequest request;
  *request.mutable_db_server() = changes;
  for (const char* path : paths) request.mutable_update_mask()->add_paths(path);
  return service.stub().UpdateDbServer(ContextWithDeadline().get(), request, response);
}

v1::DbServer Changes(const std::string& id) {
  v1::DbServer changes;
  changes.set_id(id);
  return changes;
}

grpc::Status Increment(InstanceServiceUnderTest& service, const std::string& id,
                       v1::IncrementInstanceCountResponse* response,
                       const std::string& request_id = "") {
  v1::IncrementInstanceCountRequest request;
  request.set_id(id);
  request.set_request_id(request_id);
  return service.stub().IncrementInstanceCount(ContextWithDeadline().get(), request, response);
}

grpc::Status Decrement(InstanceServiceUnderTest& service, const std::string& id,
                       v1::DecrementInstanceCountResponse* response) {
  v1::DecrementInstanceCountRequest request;
  request.set_id(id);
  return service.stub().DecrementInstanceCount(ContextWithDeadline().get(), request, response);
}

}  // namespace

TEST_CASE("CreateDbServer registers a PROVISIONING pool with an id and etag") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1", "postgres", 25);
  CHECK(pool.id().size() == 36);
  CHECK(pool.state() == v1::DbServer::STATE_PROVISIONING);
  CHECK(pool.health() == v1::DbServer::HEALTH_UNSPECIFIED);
  CHECK(pool.instance_count() == 0);
  CHECK(pool.max_instances() == 25);
  CHECK(pool.labels().at("region") == "eu-west");
  CHECK_FALSE(pool.etag().empty());
  CHECK(pool.create_time().seconds() > 0);
  CHECK(QueryScalar(service.database_url(), "SELECT display_name FROM db_servers WHERE id = '" +
                                                pool.id() + "'") == "pg-eu-1");
}

TEST_CASE("CreateDbServer with a taken display_name is ALREADY_EXISTS DISPLAY_NAME_TAKEN") {
  InstanceServiceUnderTest service;
  CreatePool(service.stub(), "pg-eu-1");
  v1::CreateDbServerRequest request;
  *request.mutable_db_server() = NewPool("pg-eu-1");
  v1::CreateDbServerResponse response;
  const grpc::Status status =
      service.stub().CreateDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::ALREADY_EXISTS, "DISPLAY_NAME_TAKEN");
  CHECK(ErrorInfoOf(status).domain() == "instance.internal");
  CHECK(QueryScalar(service.database_url(), "SELECT count(*) FROM db_servers") == "1");
}

TEST_CASE("CreateDbServer replayed with the same request_id returns the first pool") {
  InstanceServiceUnderTest service;
  v1::CreateDbServerRequest request;
  *request.mutable_db_server() = NewPool("pg-eu-1");
  request.set_request_id(NewRequestId());
  v1::CreateDbServerResponse first, second;
  REQUIRE(service.stub().CreateDbServer(ContextWithDeadline().get(), request, &first).ok());
  REQUIRE(service.stub().CreateDbServer(ContextWithDeadline().get(), request, &second).ok());
  CHECK(first.db_server().id() == second.db_server().id());
  CHECK(QueryScalar(service.database_url(), "SELECT count(*) FROM db_servers") == "1");
}

TEST_CASE("GetDbServer returns the pool, and NOT_FOUND DB_SERVER_NOT_FOUND for an unknown id") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  v1::GetDbServerRequest request;
  request.set_id(pool.id());
  v1::GetDbServerResponse response;
  REQUIRE(service.stub().GetDbServer(ContextWithDeadline().get(), request, &response).ok());
  CHECK(response.db_server().display_name() == "pg-eu-1");
  CHECK(response.db_server().etag() == pool.etag());

  request.set_id(kMissingId);
  const grpc::Status status =
      service.stub().GetDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::NOT_FOUND, "DB_SERVER_NOT_FOUND");
  CHECK(ErrorInfoOf(status).metadata().at("id") == kMissingId);
}

TEST_CASE("ListDbServers pages in display_name order and filters") {
  InstanceServiceUnderTest service;
  for (int i = 0; i < 5; ++i) CreatePool(service.stub(), absl::StrCat("pg-", i), "postgres");
  CreateActivePool(service.stub(), "my-1", "mysql");

  v1::ListDbServersRequest request;
  request.set_page_size(2);
  request.set_filter("server_type = postgres");
  std::vector<std::string> names;
  for (int page = 0; page < 10; ++page) {
    v1::ListDbServersResponse response;
    REQUIRE(service.stub().ListDbServers(ContextWithDeadline().get(), request, &response).ok());
    for (const auto& pool : response.db_servers()) names.push_back(pool.display_name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  CHECK(names == std::vector<std::string>{"pg-0", "pg-1", "pg-2", "pg-3", "pg-4"});

  v1::ListDbServersRequest active;
  active.set_filter("state = ACTIVE AND health = HEALTHY AND labels.region = \"eu-west\"");
  v1::ListDbServersResponse response;
  REQUIRE(service.stub().ListDbServers(ContextWithDeadline().get(), active, &response).ok());
  REQUIRE(response.db_servers_size() == 1);
  CHECK(response.db_servers(0).display_name() == "my-1");
}

TEST_CASE("ListDbServers rejects a page token used with another filter") {
  InstanceServiceUnderTest service;
  for (int i = 0; i < 3; ++i) CreatePool(service.stub(), absl::StrCat("pg-", i));
  v1::ListDbServersRequest request;
  request.set_page_size(1);
  v1::ListDbServersResponse response;
  REQUIRE(service.stub().ListDbServers(ContextWithDeadline().get(), request, &response).ok());
  REQUIRE_FALSE(response.next_page_token().empty());
  request.set_page_token(response.next_page_token());
  request.set_filter("server_type = mysql");
  const grpc::Status status =
      service.stub().ListDbServers(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
}

TEST_CASE("UpdateDbServer changes only masked fields and a new etag") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  v1::DbServer changes = Changes(pool.id());
  changes.set_max_instances(50);
  changes.set_host("ignored-because-unmasked.example");
  v1::UpdateDbServerResponse response;
  REQUIRE(Update(service, changes, {"max_instances"}, &response).ok());
  CHECK(response.db_server().max_instances() == 50);
  CHECK(response.db_server().host() == "pool.example.internal");
  CHECK(response.db_server().etag() != pool.etag());
}

TEST_CASE("UpdateDbServer to the current values is a no-op: same etag and update_time") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreateActivePool(service.stub(), "pg-eu-1");
  const std::string version = QueryScalar(service.database_url(), "SELECT version FROM db_servers");

  v1::DbServer changes = Changes(pool.id());
  changes.set_etag(pool.etag());
  changes.set_state(v1::DbServer::STATE_ACTIVE);
  v1::UpdateDbServerResponse same_state;
  REQUIRE(Update(service, changes, {"state"}, &same_state).ok());
  CHECK(same_state.db_server().etag() == pool.etag());
  CHECK(same_state.db_server().update_time().SerializeAsString() ==
        pool.update_time().SerializeAsString());

  changes.set_host(pool.host());
  *changes.mutable_labels() = pool.labels();
  v1::UpdateDbServerResponse same_host_and_labels;
  REQUIRE(Update(service, changes, {"host", "labels"}, &same_host_and_labels).ok());
  CHECK(same_host_and_labels.db_server().etag() == pool.etag());
  CHECK(same_host_and_labels.db_server().update_time().SerializeAsString() ==
        pool.update_time().SerializeAsString());
  CHECK(QueryScalar(service.database_url(), "SELECT version FROM db_servers") == version);

  // The caller still holding the etag read before the no-ops can write, and a real
  // change gets a new etag.
  changes.set_host("moved.example.internal");
  v1::UpdateDbServerResponse moved;
  REQUIRE(Update(service, changes, {"host"}, &moved).ok());
  CHECK(moved.db_server().host() == "moved.example.internal");
  CHECK(moved.db_server().etag() != pool.etag());
  v1::UpdateDbServerResponse stale;
  ExpectError(Update(service, changes, {"state"}, &stale), grpc::StatusCode::ABORTED,
              "ETAG_MISMATCH");
}

TEST_CASE("UpdateDbServer with a stale etag is ABORTED ETAG_MISMATCH and writes nothing") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  SetStateAndHealth(service.stub(), pool.id(), v1::DbServer::STATE_ACTIVE,
                    v1::DbServer::HEALTH_HEALTHY);
  v1::DbServer changes = Changes(pool.id());
  changes.set_etag(pool.etag());  // from before the update above
  changes.set_max_instances(99);
  v1::UpdateDbServerResponse response;
  ExpectError(Update(service, changes, {"max_instances"}, &response), grpc::StatusCode::ABORTED,
              "ETAG_MISMATCH");
  CHECK(QueryScalar(service.database_url(), "SELECT max_instances FROM db_servers") == "10");
}

TEST_CASE("UpdateDbServer refuses a state change the lifecycle does not allow") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  v1::DbServer changes = Changes(pool.id());
  changes.set_state(v1::DbServer::STATE_DRAINING);  // PROVISIONING -> DRAINING
  v1::UpdateDbServerResponse response;
  const grpc::Status status = Update(service, changes, {"state"}, &response);
  ExpectError(status, grpc::StatusCode::FAILED_PRECONDITION, "INVALID_STATE_TRANSITION");
  CHECK(ErrorInfoOf(status).metadata().at("from") == "STATE_PROVISIONING");
  CHECK(ErrorInfoOf(status).metadata().at("to") == "STATE_DRAINING");
  CHECK(QueryScalar(service.database_url(), "SELECT state FROM db_servers") == "PROVISIONING");
}

TEST_CASE("UpdateDbServer refuses max_instances below instance_count") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreateActivePool(service.stub(), "pg-eu-1");
  v1::IncrementInstanceCountResponse incremented;
  REQUIRE(Increment(service, pool.id(), &incremented).ok());
  REQUIRE(Increment(service, pool.id(), &incremented).ok());
  v1::DbServer changes = Changes(pool.id());
  changes.set_max_instances(1);
  v1::UpdateDbServerResponse response;
  ExpectError(Update(service, changes, {"max_instances"}, &response),
              grpc::StatusCode::FAILED_PRECONDITION, "CAPACITY_BELOW_COUNT");
}

TEST_CASE("UpdateDbServer on an unknown id is NOT_FOUND") {
  InstanceServiceUnderTest service;
  v1::DbServer changes = Changes(kMissingId);
  changes.set_health_message("x");
  v1::UpdateDbServerResponse response;
  ExpectError(Update(service, changes, {"health_message"}, &response), grpc::StatusCode::NOT_FOUND,
              "DB_SERVER_NOT_FOUND");
}

TEST_CASE("DeleteDbServer removes an unused pool and allow_missing makes a repeat succeed") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  v1::DeleteDbServerRequest request;
  request.set_id(pool.id());
  v1::DeleteDbServerResponse response;
  REQUIRE(service.stub().DeleteDbServer(ContextWithDeadline().get(), request, &response).ok());
  CHECK(QueryScalar(service.database_url(), "SELECT count(*) FROM db_servers") == "0");

  grpc::Status again =
      service.stub().DeleteDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(again, grpc::StatusCode::NOT_FOUND, "DB_SERVER_NOT_FOUND");
  request.set_allow_missing(true);
  CHECK(service.stub().DeleteDbServer(ContextWithDeadline().get(), request, &response).ok());
}

TEST_CASE("DeleteDbServer with a stale etag is ABORTED") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  SetStateAndHealth(service.stub(), pool.id(), v1::DbServer::STATE_ACTIVE,
                    v1::DbServer::HEALTH_HEALTHY);
  v1::DeleteDbServerRequest request;
  request.set_id(pool.id());
  request.set_etag(pool.etag());
  v1::DeleteDbServerResponse response;
  const grpc::Status status =
      service.stub().DeleteDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::ABORTED, "ETAG_MISMATCH");
  CHECK(QueryScalar(service.database_url(), "SELECT count(*) FROM db_servers") == "1");
}

TEST_CASE(
    "DeleteDbServer while instances reference the pool is FAILED_PRECONDITION and keeps the FK") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  QueryScalar(service.database_url(),
              "INSERT INTO instances (id, db_server_id, name) VALUES (gen_random_uuid(), '" +
                  pool.id() + "', 'tenant-a')");
  v1::DeleteDbServerRequest request;
  request.set_id(pool.id());
  v1::DeleteDbServerResponse response;
  const grpc::Status status =
      service.stub().DeleteDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::FAILED_PRECONDITION, "DB_SERVER_IN_USE");
  CHECK(QueryScalar(service.database_url(), "SELECT count(*) FROM db_servers") == "1");
  CHECK(QueryScalar(service.database_url(),
                    "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                    "conrelid = 'instances'::regclass AND confrelid = 'db_servers'::regclass") ==
        "1");
}

TEST_CASE("DeleteDbServer while instance_count > 0 is FAILED_PRECONDITION DB_SERVER_IN_USE") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreateActivePool(service.stub(), "pg-eu-1");
  v1::IncrementInstanceCountResponse incremented;
  REQUIRE(Increment(service, pool.id(), &incremented).ok());
  v1::DeleteDbServerRequest request;
  request.set_id(pool.id());
  v1::DeleteDbServerResponse response;
  const grpc::Status status =
      service.stub().DeleteDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::FAILED_PRECONDITION, "DB_SERVER_IN_USE");
}

TEST_CASE("FindAvailableDbServer picks the least-loaded ACTIVE HEALTHY pool with room") {
  InstanceServiceUnderTest service;
  const v1::DbServer busy = CreateActivePool(service.stub(), "busy", "postgres", 10);
  const v1::DbServer idle = CreateActivePool(service.stub(), "idle", "postgres", 10);
  CreatePool(service.stub(), "provisioning", "postgres", 10);
  v1::IncrementInstanceCountResponse incremented;
  REQUIRE(Increment(service, busy.id(), &incremented).ok());

  v1::FindAvailableDbServerRequest request;
  request.set_server_type("postgres");
  v1::FindAvailableDbServerResponse response;
  REQUIRE(
      service.stub().FindAvailableDbServer(ContextWithDeadline().get(), request, &response).ok());
  CHECK(response.db_server().id() == idle.id());

  request.set_server_type("mysql");
  const grpc::Status status =
      service.stub().FindAvailableDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::NOT_FOUND, "NO_AVAILABLE_DB_SERVER");
}

TEST_CASE("IncrementInstanceCount counts up to max_instances, then DB_SERVER_FULL") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreateActivePool(service.stub(), "pg-eu-1", "postgres", 2);
  v1::IncrementInstanceCountResponse response;
  REQUIRE(Increment(service, pool.id(), &response).ok());
  REQUIRE(Increment(service, pool.id(), &response).ok());
  CHECK(response.db_server().instance_count() == 2);
  const grpc::Status status = Increment(service, pool.id(), &response);
  ExpectError(status, grpc::StatusCode::FAILED_PRECONDITION, "DB_SERVER_FULL");
  CHECK(QueryScalar(service.database_url(), "SELECT instance_count FROM db_servers") == "2");
}

TEST_CASE("IncrementInstanceCount on a pool that is not ACTIVE is DB_SERVER_NOT_ACTIVE") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreatePool(service.stub(), "pg-eu-1");
  v1::IncrementInstanceCountResponse response;
  const grpc::Status status = Increment(service, pool.id(), &response);
  ExpectError(status, grpc::StatusCode::FAILED_PRECONDITION, "DB_SERVER_NOT_ACTIVE");
  // States in ErrorInfo metadata are spelled as DbServer.State names, as in
  // INVALID_STATE_TRANSITION's from/to (error_reason.proto).
  CHECK(ErrorInfoOf(status).metadata().at("state") == "STATE_PROVISIONING");
  CHECK(Increment(service, kMissingId, &response).error_code() == grpc::StatusCode::NOT_FOUND);
}

TEST_CASE("IncrementInstanceCount replayed with one request_id counts once, same answer") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreateActivePool(service.stub(), "pg-eu-1");
  const std::string request_id = NewRequestId();
  v1::IncrementInstanceCountResponse first, second;
  REQUIRE(Increment(service, pool.id(), &first, request_id).ok());
  REQUIRE(Increment(service, pool.id(), &second, request_id).ok());
  CHECK(first.db_server().instance_count() == 1);
  CHECK(second.SerializeAsString() == first.SerializeAsString());
  CHECK(QueryScalar(service.database_url(), "SELECT instance_count FROM db_servers") == "1");
}

TEST_CASE("A request_id reused for a different request is INVALID_ARGUMENT REQUEST_ID_REUSED") {
  InstanceServiceUnderTest service;
  const v1::DbServer first_pool = CreateActivePool(service.stub(), "pg-eu-1");
  const v1::DbServer second_pool = CreateActivePool(service.stub(), "pg-eu-2");
  const std::string request_id = NewRequestId();
  v1::IncrementInstanceCountResponse response;
  REQUIRE(Increment(service, first_pool.id(), &response, request_id).ok());
  const grpc::Status status = Increment(service, second_pool.id(), &response, request_id);
  ExpectError(status, grpc::StatusCode::INVALID_ARGUMENT, "REQUEST_ID_REUSED");
  // Like every INVALID_ARGUMENT, it names the field in a google.rpc.BadRequest.
  CHECK(ViolationFieldsOf(status) == std::vector<std::string>{"request_id"});
  CHECK(QueryScalar(service.database_url(), "SELECT sum(instance_count) FROM db_servers") == "1");
}

TEST_CASE("DecrementInstanceCount releases a slot, and DB_SERVER_EMPTY at zero") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreateActivePool(service.stub(), "pg-eu-1");
  v1::IncrementInstanceCountResponse incremented;
  REQUIRE(Increment(service, pool.id(), &incremented).ok());
  v1::DecrementInstanceCountResponse response;
  REQUIRE(Decrement(service, pool.id(), &response).ok());
  CHECK(response.db_server().instance_count() == 0);
  const grpc::Status status = Decrement(service, pool.id(), &response);
  ExpectError(status, grpc::StatusCode::FAILED_PRECONDITION, "DB_SERVER_EMPTY");
}

TEST_CASE("AllocateDbServer takes a slot on the least-loaded pool, RESOURCE_EXHAUSTED when full") {
  InstanceServiceUnderTest service;
  const v1::DbServer pool = CreateActivePool(service.stub(), "pg-eu-1", "postgres", 1);
  v1::AllocateDbServerRequest request;
  request.set_server_type("postgres");
  v1::AllocateDbServerResponse response;
  REQUIRE(service.stub().AllocateDbServer(ContextWithDeadline().get(), request, &response).ok());
  CHECK(response.db_server().id() == pool.id());
  CHECK(response.db_server().instance_count() == 1);
  const grpc::Status status =
      service.stub().AllocateDbServer(ContextWithDeadline().get(), request, &response);
  ExpectError(status, grpc::StatusCode::RESOURCE_EXHAUSTED, "NO_CAPACITY");
  CHECK(ErrorInfoOf(status).metadata().at("server_type") == "postgres");
}
