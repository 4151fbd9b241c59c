// Bad input over the wire: INVALID_ARGUMENT naming the field, never a crash, and
// never a write. Each case ends by checking the table is untouched and the server
// still answers (the fuzz replay, whose seeds include valid requests, checks only
// that nothing is INTERNAL).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
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

// Regressions: inputs whose error used to outgrow the client's 8 KiB metadata
// limit, so the caller got RESOURCE_EXHAUSTED "received initial metadata size
// exceeds limit" and lost the details. A default channel, as every caller has.
TEST_CASE("Errors about many bad labels or a repeated mask path reach the caller whole") {
  InstanceServiceUnderTest service;
  SECTION("14 invalid labels") {
    v1::DbServer pool = NewPool("pg-1");
    for (int i = 0; i < 14; ++i) (*pool.mutable_labels())[absl::StrCat("Zone-", i)] = "EU West";
    ExpectInvalid(Create(service, pool), "db_server.labels[\"Zone-0\"]");
  }
  SECTION("4 labels with long non-ASCII keys") {
    v1::DbServer pool = NewPool("pg-1");
    std::string key;
    for (int i = 0; i < 60; ++i) key += "\xE4\xB8\xAD";
    for (int i = 0; i < 4; ++i) (*pool.mutable_labels())[absl::StrCat(key, i)] = "EU West";
    const grpc::Status status = Create(service, pool);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_FALSE(ViolationFieldsOf(status).empty());
  }
  SECTION("an update mask repeating display_name 17 times") {
    v1::UpdateDbServerRequest request;
    request.mutable_db_server()->set_id("00000000-0000-4000-8000-000000000000");
    for (int i = 0; i < 17; ++i) request.mutable_update_mask()->add_paths("display_name");
    v1::UpdateDbServerResponse response;
    const grpc::Status status =
        service.stub().UpdateDbServer(ContextWithDeadline().get(), request, &response);
    ExpectInvalid(status, "update_mask.paths[0]", "INVALID_UPDATE_MASK");
    CHECK(ViolationFieldsOf(status).size() == 1);
  }
  ExpectNothingWritten(service);
}

// Regression: a page token minted around a name that is not UTF-8 reached
// PostgreSQL (SQLSTATE 22021) and came back INTERNAL, logged at ERROR per call.
TEST_CASE("A forged page token is INVALID_PAGE_TOKEN, not INTERNAL") {
  InstanceServiceUnderTest service;
  v1::ListDbServersRequest request;
  request.set_page_token("AVdGVuiN-vLL_zvJQna-wydi");
  ExpectInvalid(List(service, request), "page_token", "INVALID_PAGE_TOKEN");
  ExpectNothingWritten(service);
}

// A request whose bytes do not parse (here a proto3 string holding invalid
// UTF-8) never reaches a handler: gRPC itself answered INTERNAL. The caller's
// input is not a server bug, so it is INVALID_ARGUMENT (MALFORMED_REQUEST).
TEST_CASE("A request that is not a valid message is INVALID_ARGUMENT, not INTERNAL") {
  InstanceServiceUnderTest service;
  grpc::GenericStub stub(service.channel());
  const std::string bytes = "\x0a\x01\xff";  // GetDbServerRequest{id: "\xff"}
  grpc::Slice slice(bytes);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  auto context = ContextWithDeadline();
  stub.UnaryCall(context.get(), "/instance.v1.DbServerService/GetDbServer", grpc::StubOptions(),
                 &request, &response, [&done](grpc::Status status) { done.set_value(status); });
  const grpc::Status status = done.get_future().get();
  INFO(status.error_message());
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(ErrorInfoOf(status).reason() == "MALFORMED_REQUEST");
  ExpectNothingWritten(service);
}

// The fuzz seeds of request validation (tests/fuzz/corpus/request_validation/,
// first byte: which request, as request_validation_fuzzer.cc; with
// DBS_FUZZ_REPLAY_DIR set, that folder's inputs too, e.g. build-fuzz/corpus/...)
// sent to the real binary: whatever the bytes, the answer is never INTERNAL or
// UNKNOWN, and every error fits the client's metadata limit (else the client
// itself would answer RESOURCE_EXHAUSTED).
TEST_CASE("Fuzz inputs replayed against the real server never produce INTERNAL") {
  static const char* const kMethods[] = {"ListDbServers",          "GetDbServer",
                                         "CreateDbServer",         "UpdateDbServer",
                                         "DeleteDbServer",         "FindAvailableDbServer",
                                         "IncrementInstanceCount", "DecrementInstanceCount",
                                         "AllocateDbServer"};
  std::vector<std::string> folders = {DBS_FUZZ_SEED_DIR};
  if (const char* replay = std::getenv("DBS_FUZZ_REPLAY_DIR"); replay != nullptr) {
    folders.push_back(replay);
  }
  InstanceServiceUnderTest service;
  grpc::GenericStub stub(service.channel());
  int sent = 0;
  for (const std::string& folder : folders) {
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string input((std::istreambuf_iterator<char>(in)), {});
      if (input.empty()) continue;
      grpc::Slice slice(input.substr(1));
      const grpc::ByteBuffer request(&slice, 1);
      grpc::ByteBuffer response;
      std::promise<grpc::Status> done;
      auto context = ContextWithDeadline();
      const std::string method = absl::StrCat("/instance.v1.DbServerService/",
                                              kMethods[static_cast<uint8_t>(input[0]) % 9]);
      stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response,
                     [&done](grpc::Status status) { done.set_value(status); });
      const grpc::Status status = done.get_future().get();
      INFO(entry.path() << " -> " << method << ": " << status.error_code() << " "
                        << status.error_message());
      CHECK(status.error_code() != grpc::StatusCode::INTERNAL);
      CHECK(status.error_code() != grpc::StatusCode::UNKNOWN);
      CHECK(status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED);
      ++sent;
    }
  }
  CHECK(sent >= 10);
  CHECK(HealthStatus(service.channel(), "instance.v1.DbServerService") == "SERVING");
}
