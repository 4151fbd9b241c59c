// The instance-service binary as an operator meets it: discoverable through
// reflection, healthy, and stopping cleanly on SIGTERM.
#include <signal.h>

#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/instance_service_under_test.h"
#include "tests/support/server_reflection.h"

namespace {

using dbs::testing::HealthStatus;
using dbs::testing::InstanceServiceUnderTest;
using dbs::testing::QueryServerReflection;
using dbs::testing::QueryServerReflectionV1;
using dbs::testing::ReflectedServiceNames;
using dbs::testing::ReflectedServiceNamesV1;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

}  // namespace

TEST_CASE("reflection lists the db_servers API and the health service") {
  InstanceServiceUnderTest service;
  const std::set<std::string> names = ReflectedServiceNames(service.channel());
  CHECK(names.count("instance.v1.DbServerService") == 1);
  CHECK(names.count("grpc.health.v1.Health") == 1);
}

TEST_CASE("reflection can describe the health service and the error detail types") {
  InstanceServiceUnderTest service;
  for (const char* symbol :
       {"grpc.health.v1.Health", "google.rpc.ErrorInfo", "google.rpc.BadRequest",
        "instance.v1.ErrorReason", "instance.v1.DbServerService"}) {
    ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    const ServerReflectionResponse response = QueryServerReflection(service.channel(), request);
    INFO(symbol);
    CHECK(response.has_file_descriptor_response());
    CHECK_FALSE(response.has_error_response());
  }
}

TEST_CASE("reflection v1 lists the same services as v1alpha, both reflection services included") {
  InstanceServiceUnderTest service;
  const std::set<std::string> v1 = ReflectedServiceNamesV1(service.channel());
  CHECK(v1 == ReflectedServiceNames(service.channel()));
  CHECK(v1.count("instance.v1.DbServerService") == 1);
  CHECK(v1.count("grpc.health.v1.Health") == 1);
  CHECK(v1.count("grpc.reflection.v1.ServerReflection") == 1);
  CHECK(v1.count("grpc.reflection.v1alpha.ServerReflection") == 1);
}

TEST_CASE("reflection v1 describes the API with its imports, and answers NOT_FOUND as v1alpha") {
  InstanceServiceUnderTest service;
  for (const char* symbol :
       {"grpc.health.v1.Health", "google.rpc.ErrorInfo", "google.rpc.BadRequest",
        "instance.v1.ErrorReason", "instance.v1.DbServerService.UpdateDbServer"}) {
    grpc::reflection::v1::ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    const auto v1 = QueryServerReflectionV1(service.channel(), request);
    ServerReflectionRequest alpha_request;
    alpha_request.set_file_containing_symbol(symbol);
    const auto alpha = QueryServerReflection(service.channel(), alpha_request);
    INFO(symbol);
    REQUIRE(v1.has_file_descriptor_response());
    CHECK(v1.file_descriptor_response().file_descriptor_proto_size() ==
          alpha.file_descriptor_response().file_descriptor_proto_size());
    CHECK(v1.original_request().file_containing_symbol() == symbol);
  }
  // db_servers.proto comes with what it imports (FieldMask, Timestamp): each file once.
  grpc::reflection::v1::ServerReflectionRequest by_name;
  by_name.set_file_by_filename("instance/v1/db_servers.proto");
  const auto file = QueryServerReflectionV1(service.channel(), by_name);
  CHECK(file.file_descriptor_response().file_descriptor_proto_size() >= 3);

  grpc::reflection::v1::ServerReflectionRequest unknown;
  unknown.set_file_containing_symbol("no.such.Symbol");
  const auto missing = QueryServerReflectionV1(service.channel(), unknown);
  REQUIRE(missing.has_error_response());
  CHECK(missing.error_response().error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(missing.error_response().error_message() == "Symbol not found.");
}

TEST_CASE("health reports SERVING for the process and for DbServerService") {
  InstanceServiceUnderTest service;
  CHECK(HealthStatus(service.channel(), "") == "SERVING");
  CHECK(HealthStatus(service.channel(), "instance.v1.DbServerService") == "SERVING");
  CHECK(HealthStatus(service.channel(), "no.such.Service") != "SERVING");
}

TEST_CASE("SIGTERM stops the server with exit code 0") {
  InstanceServiceUnderTest service;
  auto exit_code = service.process().Terminate();
  REQUIRE(exit_code.ok());
  CHECK(*exit_code == 0);
}
