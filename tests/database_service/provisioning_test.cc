// PoolProvisioner against the client's fake and FakePoolAdmin.
#include <catch2/catch.hpp>

#include "database_service/provisioning/pool_provisioner.h"
#include "tests/database_service/fake_world.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;
using testing::FakeWorld;

instance::v1::CreateDbServerRequest PoolRequest(const std::string& name, int port) {
  instance::v1::CreateDbServerRequest request;
  request.mutable_db_server()->set_display_name(name);
  request.mutable_db_server()->set_host("10.0.0.2");
  request.mutable_db_server()->set_port(port);
  request.mutable_db_server()->set_server_type("postgres");
  request.mutable_db_server()->set_max_instances(5);
  return request;
}

TEST_CASE("Provisioning a reachable server registers it and marks it ACTIVE and HEALTHY") {
  FakeWorld world;
  world.pool_admin->Add({"10.0.0.2", 5432});
  PoolProvisioner provisioner(world.client, world.pool_admin);

  auto provisioned = provisioner.Provision(PoolRequest("pg-a", 5432));
  REQUIRE(provisioned.ok());
  CHECK(provisioned->pool.state() == DbServer::STATE_ACTIVE);
  CHECK(provisioned->pool.health() == DbServer::HEALTH_HEALTHY);
  CHECK(provisioned->pool.has_last_health_check_time());
  CHECK(provisioned->server_version == "15.5");
  CHECK(world.Read(provisioned->pool.id()).state() == DbServer::STATE_ACTIVE);

  SECTION("running it again registers nothing twice and keeps it ACTIVE") {
    auto again = provisioner.Provision(PoolRequest("pg-a", 5432));
    REQUIRE(again.ok());
    CHECK(again->pool.id() == provisioned->pool.id());
    CHECK(again->pool.state() == DbServer::STATE_ACTIVE);
    auto all = world.client.ListAllDbServers();
    REQUIRE(all.ok());
    CHECK(all->size() == 1);
  }
  SECTION("the same name at another address is ALREADY_EXISTS") {
    CHECK(provisioner.Provision(PoolRequest("pg-a", 6543)).status().code() ==
          absl::StatusCode::kAlreadyExists);
  }
}

TEST_CASE("Provisioning an unreachable server records it FAILED and UNHEALTHY with the reason") {
  FakeWorld world;
  PoolProvisioner provisioner(world.client, world.pool_admin);

  auto provisioned = provisioner.Provision(PoolRequest("pg-down", 5432));
  REQUIRE(provisioned.ok());
  CHECK(provisioned->pool.state() == DbServer::STATE_FAILED);
  CHECK(provisioned->pool.health() == DbServer::HEALTH_UNHEALTHY);
  CHECK_THAT(provisioned->pool.health_message(), Catch::Contains("refused"));
  CHECK(provisioned->server_version.empty());

  SECTION("once the server answers, provisioning again brings it to ACTIVE") {
    world.pool_admin->Add({"10.0.0.2", 5432});
    auto again = provisioner.Provision(PoolRequest("pg-down", 5432));
    REQUIRE(again.ok());
    CHECK(again->pool.id() == provisioned->pool.id());
    CHECK(again->pool.state() == DbServer::STATE_ACTIVE);
    CHECK(again->pool.health() == DbServer::HEALTH_HEALTHY);
  }
}

TEST_CASE("Provisioning rejects a display_name that is not an RFC 1123 label") {
  FakeWorld world;
  PoolProvisioner provisioner(world.client, world.pool_admin);
  for (const char* name : {"", "Upper", "x\" OR display_name != \"", "-lead"}) {
    CAPTURE(name);
    CHECK(provisioner.Provision(PoolRequest(name, 5432)).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Provisioning passes instance-service errors through and writes nothing") {
  FakeWorld world;
  world.pool_admin->Add({"10.0.0.2", 5432});
  world.instance_service->FailNextCalls(absl::UnavailableError("instance-service is down"), 1);
  PoolProvisioner provisioner(world.client, world.pool_admin);
  CHECK(provisioner.Provision(PoolRequest("pg-a", 5432)).status().code() ==
        absl::StatusCode::kUnavailable);
  auto all = world.client.ListAllDbServers();
  REQUIRE(all.ok());
  CHECK(all->empty());
}

}  // namespace
}  // namespace dbs::database_service
