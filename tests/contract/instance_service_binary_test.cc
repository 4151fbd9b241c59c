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
using dbs::testing::ReflectedServiceNames;
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
