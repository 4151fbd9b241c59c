// The instance-service binary as an operator meets it: discoverable through
// reflection, healthy, and stopping cleanly on SIGTERM.
#include <signal.h>

#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "tests/support/instance_service_under_test.h"

namespace {

using dbs::testing::HealthStatus;
using dbs::testing::InstanceServiceUnderTest;
using grpc::reflection::v1alpha::ServerReflection;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

// One request on the bidirectional reflection stream, as grpcurl sends it.
ServerReflectionResponse Reflect(InstanceServiceUnderTest& service,
                                 const ServerReflectionRequest& request) {
  auto stub = ServerReflection::NewStub(service.channel());
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  REQUIRE(stream->Write(request));
  stream->WritesDone();
  ServerReflectionResponse response, trailing;
  REQUIRE(stream->Read(&response));
  while (stream->Read(&trailing)) {  // the server closes after one answer
  }
  REQUIRE(stream->Finish().ok());
  return response;
}

}  // namespace

TEST_CASE("reflection lists the db_servers API and the health service") {
  InstanceServiceUnderTest service;
  ServerReflectionRequest request;
  request.set_list_services("*");
  const ServerReflectionResponse response = Reflect(service, request);
  std::set<std::string> names;
  for (const auto& listed : response.list_services_response().service()) {
    names.insert(listed.name());
  }
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
    const ServerReflectionResponse response = Reflect(service, request);
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
