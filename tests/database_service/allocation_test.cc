// TenantAllocator against the client's fake and FakePoolAdmin.
#include <catch2/catch.hpp>

#include "database_service/allocation/derived_request_id.h"
#include "database_service/allocation/tenant_allocator.h"
#include "tests/database_service/fake_world.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;
using testing::FakeWorld;

constexpr char kRequest1[] = "7d3f6a7e-1c2b-4e59-9a51-0f7d8b9c1a01";
constexpr char kRequest2[] = "7d3f6a7e-1c2b-4e59-9a51-0f7d8b9c1a02";
constexpr char kRequest3[] = "7d3f6a7e-1c2b-4e59-9a51-0f7d8b9c1a03";
constexpr char kRequest4[] = "7d3f6a7e-1c2b-4e59-9a51-0f7d8b9c1a04";
constexpr char kRequest5[] = "7d3f6a7e-1c2b-4e59-9a51-0f7d8b9c1a05";
constexpr char kRequest6[] = "7d3f6a7e-1c2b-4e59-9a51-0f7d8b9c1a06";

TEST_CASE("Derived request ids are stable UUIDs, one per purpose") {
  const std::string allocate = DeriveRequestId(kRequest1, "allocate");
  CHECK(IsUuid(allocate));
  CHECK(allocate[14] == '4');
  CHECK(allocate == DeriveRequestId(kRequest1, "allocate"));
  CHECK(allocate == DeriveRequestId("7D3F6A7E-1C2B-4E59-9A51-0F7D8B9C1A01", "allocate"));
  CHECK(allocate != DeriveRequestId(kRequest1, "release"));
  CHECK(allocate != DeriveRequestId(kRequest2, "allocate"));
  CHECK_FALSE(IsUuid("not-a-uuid"));
}

TEST_CASE("Create takes a slot and creates the tenant database on the chosen pool") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);

  auto tenant = allocator.Create("tenant_1", "postgres", kRequest1);
  REQUIRE(tenant.ok());
  CHECK(tenant->pool.id() == pool.id());
  CHECK(tenant->pool.instance_count() == 1);
  CHECK(tenant->database.created);
  CHECK(tenant->database.owner_role == "tenant_1_owner");
  CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).databases.at("tenant_1") == "tenant_1_owner");

  SECTION("a retry with the same request_id takes no second slot and creates nothing") {
    auto again = allocator.Create("tenant_1", "postgres", kRequest1);
    REQUIRE(again.ok());
    CHECK(again->pool.id() == pool.id());
    CHECK_FALSE(again->database.created);
    CHECK(world.Read(pool.id()).instance_count() == 1);
  }
  SECTION("Drop drops the database, releases the slot and removes the role") {
    auto dropped = allocator.Drop(pool.id(), "tenant_1", kRequest2, false);
    REQUIRE(dropped.ok());
    CHECK(dropped->released);
    CHECK(dropped->pool.instance_count() == 0);
    const auto server = world.pool_admin->Get({"10.0.0.1", 5432});
    CHECK(server.databases.count("tenant_1") == 0);
    CHECK(server.roles.count("tenant_1_owner") == 0);

    SECTION("dropping it again is NOT_FOUND, or OK without a release with allow_missing") {
      CHECK(allocator.Drop(pool.id(), "tenant_1", kRequest3, false).status().code() ==
            absl::StatusCode::kNotFound);
      auto missing = allocator.Drop(pool.id(), "tenant_1", kRequest3, true);
      REQUIRE(missing.ok());
      CHECK_FALSE(missing->released);
      CHECK(world.Read(pool.id()).instance_count() == 0);
    }
  }
}

TEST_CASE("Create releases the slot when CREATE DATABASE fails on a name collision") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  world.pool_admin->Change({"10.0.0.1", 5432},
                           [](auto& server) { server.databases["taken"] = "someone_else"; });
  TenantAllocator allocator(world.client, world.pool_admin);

  auto tenant = allocator.Create("taken", "postgres", kRequest1);
  CHECK(tenant.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK_THAT(std::string(tenant.status().message()), Catch::Contains("slot released"));
  CHECK(world.Read(pool.id()).instance_count() == 0);
  CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).databases.at("taken") == "someone_else");
}

TEST_CASE("A Create retried with its request_id after a pool timeout or outage keeps one slot") {
  // Regression: the failed attempt released its slot, the retry replayed the
  // allocation without taking one, and the tenant ended up holding no slot, so a
  // full pool took one more tenant.
  const absl::Status outage =
      GENERATE(absl::UnavailableError("refused"), absl::DeadlineExceededError("no answer in time"));
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432, 1);
  TenantAllocator allocator(world.client, world.pool_admin);
  world.pool_admin->Change({"10.0.0.1", 5432}, [&](auto& server) { server.down = outage; });

  auto failed = allocator.Create("tenant_1", "", kRequest1);
  CHECK(failed.status().code() == outage.code());
  CHECK_THAT(std::string(failed.status().message()), Catch::Contains("slot held"));
  CHECK(world.Read(pool.id()).instance_count() == 1);

  world.pool_admin->Change({"10.0.0.1", 5432},
                           [](auto& server) { server.down = absl::OkStatus(); });
  auto retried = allocator.Create("tenant_1", "", kRequest1);
  REQUIRE(retried.ok());
  CHECK(retried->pool.id() == pool.id());
  CHECK(retried->database.created);
  CHECK(world.Read(pool.id()).instance_count() == 1);

  CHECK(allocator.Create("tenant_2", "", kRequest2).status().code() ==
        absl::StatusCode::kResourceExhausted);
  CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).databases.count("tenant_2") == 0);

  SECTION("dropping the tenant releases the held slot") {
    auto dropped = allocator.Drop(pool.id(), "tenant_1", kRequest3, false);
    REQUIRE(dropped.ok());
    CHECK(dropped->released);
    CHECK(world.Read(pool.id()).instance_count() == 0);
  }
}

TEST_CASE("Create never chooses an UNHEALTHY or non-ACTIVE pool") {
  FakeWorld world;
  world.AddPool("pg-sick", 5432, 10, DbServer::STATE_ACTIVE, DbServer::HEALTH_UNHEALTHY);
  world.AddPool("pg-drain", 5433, 10, DbServer::STATE_DRAINING, DbServer::HEALTH_HEALTHY);
  const DbServer good = world.AddPool("pg-good", 5434);
  TenantAllocator allocator(world.client, world.pool_admin);
  auto tenant = allocator.Create("tenant_1", "postgres", kRequest1);
  REQUIRE(tenant.ok());
  CHECK(tenant->pool.id() == good.id());
}

TEST_CASE("Create without capacity is RESOURCE_EXHAUSTED and creates nothing") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432, 1);
  TenantAllocator allocator(world.client, world.pool_admin);
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  CHECK(allocator.Create("tenant_2", "postgres", kRequest2).status().code() ==
        absl::StatusCode::kResourceExhausted);
  CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).databases.count("tenant_2") == 0);
}

TEST_CASE("Create and Drop reject bad names and request ids before touching anything") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);
  CHECK(allocator.Create("Bad-Name", "postgres", kRequest1).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(allocator.Create("tenant_1", "postgres", "").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(allocator.Drop(pool.id(), "tenant_1", "nope", false).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(world.Read(pool.id()).instance_count() == 0);
}

TEST_CASE("A Drop interrupted after the database is gone finishes on retry, releasing once") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator creator(world.client, world.pool_admin);
  REQUIRE(creator.Create("tenant_1", "postgres", kRequest1).ok());
  REQUIRE(creator.Create("tenant_2", "postgres", kRequest2).ok());
  REQUIRE(world.Read(pool.id()).instance_count() == 2);

  SECTION("the release failed: the role stays as the marker and the retry releases") {
    auto flaky = std::make_shared<testing::FailingUpdates>(world.instance_service);
    TenantAllocator allocator(client::InstanceServiceClient(flaky), world.pool_admin);
    flaky->fail_decrements = true;
    CHECK(allocator.Drop(pool.id(), "tenant_1", kRequest3, false).status().code() ==
          absl::StatusCode::kUnavailable);
    CHECK(world.Read(pool.id()).instance_count() == 2);
    CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).roles.count("tenant_1_owner") == 1);
    flaky->fail_decrements = false;
    auto retried = allocator.Drop(pool.id(), "tenant_1", kRequest3, false);
    REQUIRE(retried.ok());
    CHECK(retried->released);
    CHECK(world.Read(pool.id()).instance_count() == 1);
  }
  SECTION("the role drop failed after the release: the retry replays the release") {
    TenantAllocator allocator(world.client, world.pool_admin);
    world.pool_admin->FailNextRoleDrops(1);
    CHECK(allocator.Drop(pool.id(), "tenant_1", kRequest3, false).status().code() ==
          absl::StatusCode::kUnavailable);
    CHECK(world.Read(pool.id()).instance_count() == 1);
    auto retried = allocator.Drop(pool.id(), "tenant_1", kRequest3, false);
    REQUIRE(retried.ok());
    CHECK(world.Read(pool.id()).instance_count() == 1);
    CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).roles.count("tenant_1_owner") == 0);
  }
}

TEST_CASE("A Drop finished with a new request_id releases the tenant's slot once") {
  // Regression: the release id came from the caller's request_id, so finishing
  // an interrupted drop with another request_id released a second slot, one
  // that belonged to another tenant.
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  REQUIRE(allocator.Create("tenant_2", "postgres", kRequest2).ok());
  REQUIRE(world.Read(pool.id()).instance_count() == 2);

  world.pool_admin->FailNextRoleDrops(1);
  CHECK(allocator.Drop(pool.id(), "tenant_1", kRequest3, false).status().code() ==
        absl::StatusCode::kUnavailable);
  CHECK(world.Read(pool.id()).instance_count() == 1);
  CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).roles.count("tenant_1_owner") == 1);

  auto finished = allocator.Drop(pool.id(), "tenant_1", kRequest4, false);
  REQUIRE(finished.ok());
  CHECK(finished->released);
  CHECK(world.Read(pool.id()).instance_count() == 1);
  CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).roles.count("tenant_1_owner") == 0);

  SECTION("a tenant recreated under the same name is released again when dropped") {
    REQUIRE(allocator.Create("tenant_1", "postgres", kRequest5).ok());
    REQUIRE(world.Read(pool.id()).instance_count() == 2);
    auto dropped = allocator.Drop(pool.id(), "tenant_1", kRequest6, false);
    REQUIRE(dropped.ok());
    CHECK(dropped->released);
    CHECK(world.Read(pool.id()).instance_count() == 1);
  }
}

TEST_CASE("Create and Drop hand the caller's deadline to every pool server operation") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);
  const absl::Time deadline = absl::Now() + absl::Seconds(7);
  REQUIRE(allocator.Create("tenant_7", "postgres", kRequest1, deadline).ok());
  CHECK(world.pool_admin->last_deadline() == deadline);
  const absl::Time later = deadline + absl::Seconds(1);
  REQUIRE(allocator.Drop(pool.id(), "tenant_7", kRequest2, false, later).ok());
  CHECK(world.pool_admin->last_deadline() == later);  // DropTenantRole, the last step
}

TEST_CASE("A Create past the caller's deadline takes no slot and creates nothing") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);
  auto late = allocator.Create("tenant_8", "postgres", kRequest1, absl::Now() - absl::Seconds(1));
  CHECK(late.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(world.Read(pool.id()).instance_count() == 0);
  CHECK(world.pool_admin->Get({"10.0.0.1", 5432}).databases.count("tenant_8") == 0);
}

}  // namespace
}  // namespace dbs::database_service
