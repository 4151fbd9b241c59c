// The database-service binary as an operator meets it: discoverable through
// reflection, liveness and readiness on the standard health service, errors of
// instance-service forwarded with their details, and a clean SIGTERM.
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "database/v1/database_service.grpc.pb.h"
#include "tests/support/free_port.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/rpc_error.h"
#include "tests/support/server_reflection.h"
#include "tests/support/service_process.h"

namespace {

using dbs::testing::HealthStatus;
using dbs::testing::QueryServerReflection;
using dbs::testing::ServiceProcess;
using grpc::reflection::v1alpha::ServerReflectionRequest;

// database-service pointed at `instance_service_target`, waited for until alive.
ServiceProcess StartDatabaseService(const std::string& instance_service_target,
                                    const std::string& ready_service) {
  ServiceProcess::Options options;
  options.binary = DBS_DATABASE_SERVICE_BINARY;
  options.args = {absl::StrCat("--instance_service_target=", instance_service_target),
                  "--monitoring_interval_ms=0", "--readiness_interval_ms=200", "--drain_seconds=2"};
  options.ready_service = ready_service;
  auto process = ServiceProcess::Start(options);
  if (!process.ok()) FAIL("database-service did not start: " << process.status());
  return *std::move(process);
}

std::string Unreachable() {
  return absl::StrCat("127.0.0.1:", dbs::testing::PickFreeLoopbackPort());
}

TEST_CASE("Reflection lists and describes database.v1.DatabaseService and the error details") {
  ServiceProcess service = StartDatabaseService(Unreachable(), "");
  const std::set<std::string> names = dbs::testing::ReflectedServiceNames(service.channel());
  CHECK(names.count("database.v1.DatabaseService") == 1);
  CHECK(names.count("grpc.health.v1.Health") == 1);
  CHECK(dbs::testing::ReflectedServiceNamesV1(service.channel()) == names);
  for (const char* symbol : {"database.v1.DatabaseService", "database.v1.PoolProbe",
                             "instance.v1.DbServer", "google.rpc.ErrorInfo"}) {
    ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    INFO(symbol);
    CHECK(QueryServerReflection(service.channel(), request).has_file_descriptor_response());
  }
}

TEST_CASE("Readiness follows instance-service while liveness stays SERVING") {
  ServiceProcess service = StartDatabaseService(Unreachable(), "");
  CHECK(HealthStatus(service.channel(), "") == "SERVING");
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  std::string readiness;
  while (absl::Now() < deadline) {
    readiness = HealthStatus(service.channel(), "database.v1.DatabaseService");
    if (readiness == "NOT_SERVING") break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  CHECK(readiness == "NOT_SERVING");
}

TEST_CASE("Errors from instance-service reach the caller with their ErrorInfo reason") {
  dbs::testing::InstanceServiceUnderTest instance_service;
  ServiceProcess service =
      StartDatabaseService(instance_service.address(), "database.v1.DatabaseService");
  auto stub = database::v1::DatabaseService::NewStub(service.channel());
  database::v1::CreateDatabaseRequest request;
  request.set_database_name("tenant_nowhere");
  request.set_request_id("0b7d2a8e-4c1f-4b7e-9d3a-2f6e8c1a5b90");
  database::v1::CreateDatabaseResponse response;
  const grpc::Status status =
      stub->CreateDatabase(dbs::testing::ContextWithDeadline().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(dbs::testing::ErrorInfoOf(status).reason() == "NO_CAPACITY");
}

TEST_CASE("Invalid requests are INVALID_ARGUMENT before anything is touched") {
  ServiceProcess service = StartDatabaseService(Unreachable(), "");
  auto stub = database::v1::DatabaseService::NewStub(service.channel());
  database::v1::CreateDatabaseRequest request;
  request.set_database_name("Robert'); DROP TABLE students;--");
  request.set_request_id("0b7d2a8e-4c1f-4b7e-9d3a-2f6e8c1a5b90");
  database::v1::CreateDatabaseResponse response;
  CHECK(stub->CreateDatabase(dbs::testing::ContextWithDeadline().get(), request, &response)
            .error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  request.set_database_name("tenant_ok");
  request.clear_request_id();
  CHECK(stub->CreateDatabase(dbs::testing::ContextWithDeadline().get(), request, &response)
            .error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("SIGTERM stops database-service with exit code 0") {
  ServiceProcess service = StartDatabaseService(Unreachable(), "");
  const absl::Time start = absl::Now();
  auto exit_code = service.Terminate(absl::Seconds(10));
  REQUIRE(exit_code.ok());
  CHECK(*exit_code == 0);
  CHECK(absl::Now() - start < absl::Seconds(5));
}

}  // namespace
