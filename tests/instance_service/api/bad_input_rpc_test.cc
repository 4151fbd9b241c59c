// Bad input over the wire: INVALID_ARGUMENT naming the field, never a crash, and
// never a write. Each case ends by checking the table is untouched and the server
// still answers.
#include <string>

#include <catch2/catch.hpp>

#include "absl/algorithm/container.h"
#include "tests/instance_service/api/pool_builders.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/rpc_error.h"

namespace {

namespace v1 = ::instance::v1;
using dbs::testing::ContextWithDeadline;
using dbs::testing::ErrorInfoOf;
using dbs::testing::HealthStatus;
using dbs::testing::InstanceServiceUnderTest;
using dbs::testing::NewPool;
using dbs::testing::QueryScalar;
using dbs::testing::ViolationFieldsOf;

bool Names(const grpc::Status& status, const std::string& field) {
  return absl::c_linear_search(ViolationFieldsOf(status), field);
}

void ExpectInvalid(const grpc::Status& status, const std::string& field,
                   const std::string& reason = "INVALID_FIELD") {
  INFO(status.error_message());
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ErrorInfoOf(status).reason() == reason);
  CHECK(Names(status, field));
}

void ExpectNothingWritten(InstanceServiceUnderTest& service) {
  CHECK(QueryScalar(service.database_url(), "SELECT count(*) FROM db_servers") == "0");
  CHECK(HealthStatus(service.channel(), "instance.v1.DbServerService") == "SERVING");
}

grpc::Status Create(InstanceServiceUnderTest& service, const v1::DbServer& pool) {
  v1::CreateDbServerRequest request;
  *request.mutable_db_server() = pool;
  v1::CreateDbServerResponse response;
  return service.stub().CreateDbServer(ContextWithDeadline().get(), request, &response);
}

grpc::Status List(InstanceServiceUnderTest& service, const v1::ListDbServersRequest& request) {
  v1::ListDbServersResponse response;
  return service.stub().ListDbServers(ContextWithDeadline().get(), request, &response);
}

}  // namespace

TEST_CASE("CreateDbServer rejects bad fields by name and writes nothing") {
  InstanceServiceUnderTest service;
  v1::DbServer pool = NewPool("pg-1");
  SECTION("port 0") {
    pool.set_port(0);
    ExpectInvalid(Create(service, pool), "db_server.port");
  }
  SECTION("port 70000") {
    pool.set_port(70000);
    ExpectInvalid(Create(service, pool), "db_server.port");
  }
  SECTION("empty display_name") {
    pool.set_display_name("");
    ExpectInvalid(Create(service, pool), "db_server.display_name");
  }
  SECTION("oversized display_name") {
    pool.set_display_name(std::string(64, 'a'));
    ExpectInvalid(Create(service, pool), "db_server.display_name");
  }
  SECTION("oversized host") {
    pool.set_host(std::string(100000, 'h'));
    ExpectInvalid(Create(service, pool), "db_server.host");
  }
  SECTION("bad server_type") {
    pool.set_server_type("Postgres; DROP TABLE db_servers");
    ExpectInvalid(Create(service, pool), "db_server.server_type");
  }
  SECTION("zero capacity") {
    pool.set_max_instances(0);
    ExpectInvalid(Create(service, pool), "db_server.max_instances");
  }
  SECTION("every violation at once") {
    pool.set_port(-1);
    pool.set_display_name("");
    const grpc::Status status = Create(service, pool);
    CHECK(Names(status, "db_server.port"));
    CHECK(Names(status, "db_server.display_name"));
  }
  ExpectNothingWritten(service);
}

TEST_CASE("ids that are not UUIDs are INVALID_ARGUMENT naming the id field") {
  InstanceServiceUnderTest service;
  v1::GetDbServerRequest get;
  get.set_id("42; SELECT pg_sleep(10)");
  v1::GetDbServerResponse got;
  ExpectInvalid(service.stub().GetDbServer(ContextWithDeadline().get(), get, &got), "id");

  v1::IncrementInstanceCountRequest increment;
  increment.set_id("not-a-uuid");
  v1::IncrementInstanceCountResponse incremented;
  ExpectInvalid(
      service.stub().IncrementInstanceCount(ContextWithDeadline().get(), increment, &incremented),
      "id");

  increment.set_id("00000000-0000-4000-8000-000000000000");
  increment.set_request_id("retry-me");
  ExpectInvalid(
      service.stub().IncrementInstanceCount(ContextWithDeadline().get(), increment, &incremented),
      "request_id");
  ExpectNothingWritten(service);
}

TEST_CASE("ListDbServers rejects a negative page_size, a garbage filter and a malformed token") {
  InstanceServiceUnderTest service;
  v1::ListDbServersRequest request;
  SECTION("negative page_size") {
    request.set_page_size(-1);
    ExpectInvalid(List(service, request), "page_size");
  }
  SECTION("garbage filter") {
    request.set_filter("state = = OR (");
    ExpectInvalid(List(service, request), "filter", "INVALID_FILTER");
  }
  SECTION("unknown filter field") {
    request.set_filter("password = secret");
    ExpectInvalid(List(service, request), "filter", "INVALID_FILTER");
  }
  SECTION("malformed page token") {
    request.set_page_token("definitely-not-a-token");
    ExpectInvalid(List(service, request), "page_token", "INVALID_PAGE_TOKEN");
  }
  ExpectNothingWritten(service);
}

TEST_CASE("UpdateDbServer rejects an unknown or immutable mask path by name") {
  InstanceServiceUnderTest service;
  v1::UpdateDbServerRequest request;
  request.mutable_db_server()->set_id("00000000-0000-4000-8000-000000000000");
  SECTION("unknown path") { request.mutable_update_mask()->add_paths("no_such_field"); }
  SECTION("output-only path") { request.mutable_update_mask()->add_paths("instance_count"); }
  v1::UpdateDbServerResponse response;
  const grpc::Status status =
      service.stub().UpdateDbServer(ContextWithDeadline().get(), request, &response);
  ExpectInvalid(status, "update_mask.paths[0]", "INVALID_UPDATE_MASK");
  ExpectNothingWritten(service);
}
