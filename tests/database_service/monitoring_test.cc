// PoolMonitor and MonitoringLoop against the client's fake and FakePoolAdmin.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "database_service/monitoring/health_update.h"
#include "database_service/monitoring/monitoring_loop.h"
#include "database_service/monitoring/pool_monitor.h"
#include "tests/database_service/fake_world.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;
using testing::FakeWorld;

TEST_CASE("A probe result is judged HEALTHY, DEGRADED when slow, UNHEALTHY on error") {
  const absl::Duration slow = absl::Milliseconds(100);
  CHECK(PoolMonitor::Judge(absl::Milliseconds(3), slow).health == DbServer::HEALTH_HEALTHY);
  CHECK(PoolMonitor::Judge(absl::Milliseconds(300), slow).health == DbServer::HEALTH_DEGRADED);
  const PoolProbeOutcome failed = PoolMonitor::Judge(absl::UnavailableError("refused"), slow);
  CHECK(failed.health == DbServer::HEALTH_UNHEALTHY);
  CHECK_THAT(failed.message, Catch::Contains("refused"));
  CHECK(failed.latency == absl::ZeroDuration());
}

TEST_CASE("A health message is kept on one line and within 1024 bytes") {
  DbServer change;
  google::protobuf::FieldMask mask;
  SetHealth(change, mask, DbServer::HEALTH_UNHEALTHY,
            "refused\n\tIs the server running?" + std::string(2000, 'x'));
  CHECK(change.health_message().rfind("refused  Is the server running?", 0) == 0);
  CHECK(change.health_message().size() == 1024);
  CHECK(mask.paths_size() == 3);
  CHECK(change.has_last_health_check_time());
}

TEST_CASE("Health is written when it changes or the heartbeat is due, not otherwise") {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  DbServer stored;
  stored.set_health(DbServer::HEALTH_HEALTHY);
  CHECK(PoolMonitor::WriteDue(stored, DbServer::HEALTH_HEALTHY, now, absl::Seconds(60)));
  stored.mutable_last_health_check_time()->set_seconds(1'800'000'000 - 10);
  CHECK_FALSE(PoolMonitor::WriteDue(stored, DbServer::HEALTH_HEALTHY, now, absl::Seconds(60)));
  CHECK(PoolMonitor::WriteDue(stored, DbServer::HEALTH_UNHEALTHY, now, absl::Seconds(60)));
  CHECK(PoolMonitor::WriteDue(stored, DbServer::HEALTH_HEALTHY, now, absl::Seconds(10)));
}

TEST_CASE("A pass marks a dead pool UNHEALTHY and leaves the others HEALTHY") {
  FakeWorld world;
  const DbServer alive = world.AddPool("pg-alive", 5432);
  const DbServer dead = world.AddPool("pg-dead", 5433);
  world.pool_admin->Change({"10.0.0.1", 5433},
                           [](auto& server) { server.down = absl::UnavailableError("refused"); });
  PoolMonitor monitor(world.client, world.pool_admin);

  auto report = monitor.RunPass();
  REQUIRE(report.ok());
  REQUIRE(report->probes.size() == 2);
  CHECK(report->probes[0].display_name == "pg-alive");
  CHECK(report->probes[1].health == DbServer::HEALTH_UNHEALTHY);
  CHECK(world.Read(dead.id()).health() == DbServer::HEALTH_UNHEALTHY);
  CHECK_THAT(world.Read(dead.id()).health_message(), Catch::Contains("refused"));
  CHECK(world.Read(dead.id()).has_last_health_check_time());
  CHECK(world.Read(alive.id()).health() == DbServer::HEALTH_HEALTHY);

  SECTION("the next pass writes nothing while no verdict changes") {
    const std::string etag = world.Read(dead.id()).etag();
    auto again = monitor.RunPass();
    REQUIRE(again.ok());
    CHECK(again->updates_written == 0);
    CHECK(world.Read(dead.id()).etag() == etag);
  }
  SECTION("when the server is back, the pool returns to HEALTHY") {
    world.pool_admin->Change({"10.0.0.1", 5433}, [](auto& server) { server.down = {}; });
    REQUIRE(monitor.RunPass().ok());
    CHECK(world.Read(dead.id()).health() == DbServer::HEALTH_HEALTHY);
  }
}

TEST_CASE("An unchanged verdict is rewritten once the heartbeat is due") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  absl::Duration offset;
  PoolMonitorOptions options;
  options.heartbeat = absl::Seconds(30);
  options.now = [&offset] { return absl::Now() + offset; };
  PoolMonitor monitor(world.client, world.pool_admin, options);
  REQUIRE(monitor.RunPass()->updates_written == 1);  // no check time stored yet
  CHECK(monitor.RunPass()->updates_written == 0);
  offset = absl::Seconds(31);
  CHECK(monitor.RunPass()->updates_written == 1);
}

TEST_CASE("A slow pool is reported DEGRADED") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-slow", 5432);
  world.pool_admin->Change({"10.0.0.1", 5432},
                           [](auto& server) { server.latency = absl::Milliseconds(50); });
  PoolMonitorOptions options;
  options.degraded_latency = absl::Milliseconds(20);
  PoolMonitor monitor(world.client, world.pool_admin, options);
  REQUIRE(monitor.RunPass().ok());
  CHECK(world.Read(pool.id()).health() == DbServer::HEALTH_DEGRADED);
}

TEST_CASE("Pools still in PROVISIONING are not probed") {
  FakeWorld world;
  world.AddPool("pg-new", 5432, 10, DbServer::STATE_PROVISIONING);
  PoolMonitor monitor(world.client, world.pool_admin);
  auto report = monitor.RunPass();
  REQUIRE(report.ok());
  CHECK(report->probes.empty());
}

TEST_CASE("Slow pools are probed in parallel and do not hold up the others") {
  FakeWorld world;
  for (int i = 0; i < 4; ++i) {
    world.AddPool(absl::StrCat("pg-hung-", i), 6000 + i);
    world.pool_admin->Change({"10.0.0.1", 6000 + i},
                             [](auto& server) { server.latency = absl::Milliseconds(400); });
  }
  for (int i = 0; i < 8; ++i) world.AddPool(absl::StrCat("pg-ok-", i), 7000 + i);
  PoolMonitorOptions options;
  options.parallelism = 4;
  PoolMonitor monitor(world.client, world.pool_admin, options);
  const absl::Time start = absl::Now();
  auto report = monitor.RunPass();
  const absl::Duration took = absl::Now() - start;
  REQUIRE(report.ok());
  CHECK(report->probes.size() == 12);
  CHECK(report->updates_written == 12);
  // Serially this would take 4 x 400 ms; four workers take about one probe time.
  CHECK(took < absl::Milliseconds(1000));
}

TEST_CASE("A pass lists every page of pools") {
  FakeWorld world;
  for (int i = 0; i < 120; ++i) world.AddPool(absl::StrCat("pg-", 1000 + i), 10000 + i);
  PoolMonitorOptions options;
  options.parallelism = 16;
  PoolMonitor monitor(world.client, world.pool_admin, options);
  auto report = monitor.RunPass();
  REQUIRE(report.ok());
  CHECK(report->probes.size() == 120);
}

TEST_CASE("A pass fails with the client's error when pools cannot be listed") {
  FakeWorld world;
  world.AddPool("pg-a", 5432);
  world.instance_service->FailNextCalls(absl::UnavailableError("instance-service down"), 1);
  PoolMonitor monitor(world.client, world.pool_admin);
  CHECK(monitor.RunPass().status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("A failed health write is reported and the next pass tries again") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  world.pool_admin->Change({"10.0.0.1", 5432},
                           [](auto& server) { server.down = absl::UnavailableError("refused"); });
  auto flaky = std::make_shared<testing::FailingUpdates>(world.instance_service);
  PoolMonitor monitor(client::InstanceServiceClient(flaky), world.pool_admin);

  flaky->fail_updates = true;
  auto first = monitor.RunPass();
  REQUIRE(first.ok());
  REQUIRE(first->probes.size() == 1);
  CHECK_FALSE(first->probes[0].written);
  CHECK_THAT(first->probes[0].write_error, Catch::Contains("injected"));
  CHECK(world.Read(pool.id()).health() == DbServer::HEALTH_HEALTHY);

  flaky->fail_updates = false;
  auto second = monitor.RunPass();
  REQUIRE(second.ok());
  CHECK(second->updates_written == 1);
  CHECK(world.Read(pool.id()).health() == DbServer::HEALTH_UNHEALTHY);
}

TEST_CASE("The loop waits interval times a jittered factor between passes") {
  MonitoringLoopOptions options;
  options.interval = absl::Seconds(10);
  options.jitter = 0.2;
  for (int i = 0; i < 100; ++i) {
    const absl::Duration wait = MonitoringLoop::NextWait(options);
    CHECK(wait >= absl::Seconds(8));
    CHECK(wait <= absl::Seconds(12));
  }
}

TEST_CASE("The loop runs passes on its interval until stopped") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  world.pool_admin->Change({"10.0.0.1", 5432},
                           [](auto& server) { server.down = absl::UnavailableError("refused"); });
  PoolMonitor monitor(world.client, world.pool_admin);
  MonitoringLoop loop(monitor, {absl::Milliseconds(20), 0.1});
  loop.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (loop.passes() < 3 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  const absl::Time stop_started = absl::Now();
  loop.Stop();
  CHECK(absl::Now() - stop_started < absl::Milliseconds(500));
  CHECK(loop.passes() >= 3);
  CHECK(world.Read(pool.id()).health() == DbServer::HEALTH_UNHEALTHY);
}

}  // namespace
}  // namespace dbs::database_service
