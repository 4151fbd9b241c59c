// What PoolMonitor and TenantAllocator record in their metrics, against the
// client's fake and FakePoolAdmin: one probe count per pool and verdict with its
// duration, and one allocation count per outcome.
#include <catch2/catch.hpp>

#include "database_service/allocation/tenant_allocator.h"
#include "database_service/monitoring/pool_monitor.h"
#include "metrics/testing/metric_reader.h"
#include "tests/database_service/fake_world.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;
using metrics::testing::ReadHistogramSum;
using metrics::testing::ReadSample;
using testing::FakeWorld;

constexpr char kRequest1[] = "5b0c9a8e-2d3f-4a61-8b72-1e8f9a0b2c01";
constexpr char kRequest2[] = "5b0c9a8e-2d3f-4a61-8b72-1e8f9a0b2c02";
constexpr char kRequest3[] = "5b0c9a8e-2d3f-4a61-8b72-1e8f9a0b2c03";
constexpr char kRequest4[] = "5b0c9a8e-2d3f-4a61-8b72-1e8f9a0b2c04";
constexpr char kRequest5[] = "5b0c9a8e-2d3f-4a61-8b72-1e8f9a0b2c05";
constexpr char kRequest6[] = "5b0c9a8e-2d3f-4a61-8b72-1e8f9a0b2c06";

std::optional<double> Probes(const prometheus::Registry& registry, const char* pool,
                             const char* result) {
  return ReadSample(registry, "dbs_pool_probe_total", {{"pool", pool}, {"result", result}});
}

std::optional<double> Outcome(const prometheus::Registry& registry, const char* outcome) {
  return ReadSample(registry, "dbs_allocations_total", {{"outcome", outcome}});
}

TEST_CASE("Every probe counts once by pool display_name and verdict, with its duration") {
  FakeWorld world;
  world.AddPool("pg-alive", 5432);
  world.AddPool("pg-dead", 5433);
  world.AddPool("pg-slow", 5434);
  world.AddPool("pg-new", 5435, 10, DbServer::STATE_PROVISIONING);
  world.pool_admin->Change({"10.0.0.1", 5433},
                           [](auto& server) { server.down = absl::UnavailableError("refused"); });
  world.pool_admin->Change({"10.0.0.1", 5434},
                           [](auto& server) { server.latency = absl::Milliseconds(60); });
  prometheus::Registry registry;
  PoolMonitorOptions options;
  options.degraded_latency = absl::Milliseconds(20);
  PoolMonitor monitor(world.client, world.pool_admin, options,
                      std::make_shared<metrics::PoolProbeMetrics>(registry));

  REQUIRE(monitor.RunPass().ok());
  REQUIRE(monitor.RunPass().ok());
  CHECK(Probes(registry, "pg-alive", "HEALTHY") == 2);
  CHECK(Probes(registry, "pg-dead", "UNHEALTHY") == 2);
  CHECK(Probes(registry, "pg-slow", "DEGRADED") == 2);
  CHECK(Probes(registry, "pg-alive", "UNHEALTHY") == std::nullopt);
  CHECK(ReadSample(registry, "dbs_pool_probe_seconds", {{"pool", "pg-new"}}) == std::nullopt);
  CHECK(ReadSample(registry, "dbs_pool_probe_seconds", {{"pool", "pg-dead"}}) == 2);
  CHECK(*ReadHistogramSum(registry, "dbs_pool_probe_seconds", {{"pool", "pg-slow"}}) >= 0.12);
}

TEST_CASE("Every Create counts one allocation outcome") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432, 2);
  world.pool_admin->Change({"10.0.0.1", 5432},
                           [](auto& server) { server.databases["taken"] = "someone_else"; });
  auto flaky = std::make_shared<testing::FailingUpdates>(world.instance_service);
  prometheus::Registry registry;
  TenantAllocator allocator(client::InstanceServiceClient(flaky), world.pool_admin,
                            std::make_shared<metrics::AllocationMetrics>(registry));

  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  CHECK(Outcome(registry, "ok") == 1);

  CHECK_FALSE(allocator.Create("Bad-Name", "postgres", kRequest2).ok());
  CHECK(Outcome(registry, "invalid_request") == 1);

  CHECK_FALSE(allocator.Create("taken", "postgres", kRequest2).ok());
  CHECK(Outcome(registry, "pool_error") == 1);

  flaky->fail_decrements = true;
  CHECK_FALSE(allocator.Create("taken", "postgres", kRequest3).ok());
  CHECK(Outcome(registry, "slot_leaked") == 1);
  flaky->fail_decrements = false;

  // The leaked slot filled the pool (capacity 2).
  CHECK(allocator.Create("tenant_2", "postgres", kRequest4).status().code() ==
        absl::StatusCode::kResourceExhausted);
  CHECK(Outcome(registry, "no_capacity") == 1);

  flaky->fail_allocates = true;
  CHECK(allocator.Create("tenant_2", "postgres", kRequest5).status().code() ==
        absl::StatusCode::kUnavailable);
  CHECK(Outcome(registry, "allocate_error") == 1);
  flaky->fail_allocates = false;

  SECTION("a pool server that does not answer holds the slot: pool_unavailable") {
    REQUIRE(allocator.Drop(pool.id(), "tenant_1", kRequest6, false).ok());
    world.pool_admin->Change({"10.0.0.1", 5432},
                             [](auto& server) { server.down = absl::UnavailableError("down"); });
    CHECK(allocator.Create("tenant_3", "postgres", kRequest6).status().code() ==
          absl::StatusCode::kUnavailable);
    CHECK(Outcome(registry, "pool_unavailable") == 1);
  }
  CHECK(Outcome(registry, "ok") == 1);
}

TEST_CASE("A Drop counts released, or release_error when the release fails") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  auto flaky = std::make_shared<testing::FailingUpdates>(world.instance_service);
  prometheus::Registry registry;
  TenantAllocator allocator(client::InstanceServiceClient(flaky), world.pool_admin,
                            std::make_shared<metrics::AllocationMetrics>(registry));
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());

  flaky->fail_decrements = true;
  CHECK_FALSE(allocator.Drop(pool.id(), "tenant_1", kRequest2, false).ok());
  CHECK(Outcome(registry, "release_error") == 1);
  CHECK(Outcome(registry, "released") == 0);

  flaky->fail_decrements = false;
  REQUIRE(allocator.Drop(pool.id(), "tenant_1", kRequest2, false).ok());
  CHECK(Outcome(registry, "released") == 1);
  // Nothing left to release: a drop with allow_missing counts nothing.
  REQUIRE(allocator.Drop(pool.id(), "tenant_1", kRequest3, true).ok());
  CHECK(Outcome(registry, "released") == 1);
}

}  // namespace
}  // namespace dbs::database_service
