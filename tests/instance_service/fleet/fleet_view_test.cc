// FleetStatsRepository and FleetView against a real, migrated PostgreSQL: the
// aggregate of db_servers, the dbs_fleet_* gauges published from it, and what a
// failed refresh leaves behind.
#include "instance_service/fleet/fleet_view.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "instance_service/migrations/migrator.h"
#include "instance_service/repository/fleet_stats_repository.h"
#include "metrics/testing/metric_reader.h"
#include "pq/pg_pool.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::instance::FleetGroup;
using dbs::instance::FleetStatsRepository;
using dbs::instance::FleetView;
using dbs::metrics::testing::ReadSample;

// A migrated scratch database with a pool, the repository and fleet metrics on it.
struct Fleet {
  Fleet() { REQUIRE(dbs::instance::RunMigrations(database.connection_string()).ok()); }

  static dbs::pq::PgPoolOptions PoolOptions(const std::string& conninfo) {
    dbs::pq::PgPoolOptions options;
    options.conninfo = conninfo;
    options.max_connections = 2;
    return options;
  }

  // Inserts a pool row directly: the fleet view reads whatever the table holds.
  void AddPool(const std::string& name, const std::string& server_type, const std::string& state,
               const std::string& health, int instances, int capacity) {
    dbs::testing::QueryScalar(
        database.connection_string(),
        absl::StrCat("INSERT INTO db_servers (display_name, host, port, server_type, state, "
                     "health, instance_count, max_instances) VALUES ('",
                     name, "', 'h', 5432, '", server_type, "', '", state, "', '", health, "', ",
                     instances, ", ", capacity, ")"));
  }

  void Sql(const std::string& sql) { dbs::testing::QueryScalar(database.connection_string(), sql); }

  std::optional<double> Pools(const std::string& type, const std::string& state,
                              const std::string& health) {
    return ReadSample(registry, "dbs_fleet_pools",
                      {{"server_type", type}, {"state", state}, {"health", health}});
  }
  std::optional<double> Slots(const char* which, const std::string& type) {
    return ReadSample(registry, absl::StrCat("dbs_fleet_slots_", which), {{"server_type", type}});
  }

  dbs::testing::ScratchDatabase database;
  dbs::pq::PgPool pool{PoolOptions(database.connection_string())};
  FleetStatsRepository repository{&pool};
  prometheus::Registry registry;
  dbs::metrics::FleetMetrics metrics{registry};
};

TEST_CASE("The fleet aggregate groups pools by server_type, state and health") {
  Fleet fleet;
  auto empty = fleet.repository.CountByGroup(absl::Now() + absl::Seconds(10));
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  fleet.AddPool("a", "postgres", "ACTIVE", "HEALTHY", 3, 10);
  fleet.AddPool("b", "postgres", "ACTIVE", "HEALTHY", 5, 10);
  fleet.AddPool("c", "postgres", "ACTIVE", "UNHEALTHY", 1, 4);
  fleet.AddPool("d", "mysql", "PROVISIONING", "UNKNOWN", 0, 8);
  auto groups = fleet.repository.CountByGroup(absl::Now() + absl::Seconds(10));
  REQUIRE(groups.ok());
  REQUIRE(groups->size() == 3);
  const FleetGroup& mysql = (*groups)[0];
  CHECK(mysql.server_type == "mysql");
  CHECK(mysql.state == "PROVISIONING");
  CHECK(mysql.health == "UNKNOWN");
  CHECK(mysql.pools == 1);
  const FleetGroup& healthy = (*groups)[1];
  CHECK(healthy.server_type == "postgres");
  CHECK(healthy.health == "HEALTHY");
  CHECK(healthy.pools == 2);
  CHECK(healthy.instances == 8);
  CHECK(healthy.capacity == 20);
  CHECK((*groups)[2].health == "UNHEALTHY");
}

TEST_CASE("Slots count ACTIVE pools only, and every server_type gets a series") {
  std::vector<dbs::metrics::FleetMetrics::PoolCount> pools;
  std::vector<dbs::metrics::FleetMetrics::Slots> slots;
  FleetView::Summarise({{"mysql", "PROVISIONING", "UNKNOWN", 1, 0, 8},
                        {"postgres", "ACTIVE", "HEALTHY", 2, 8, 20},
                        {"postgres", "ACTIVE", "UNHEALTHY", 1, 1, 4},
                        {"postgres", "DRAINING", "HEALTHY", 1, 6, 6}},
                       &pools, &slots);
  CHECK(pools.size() == 4);
  REQUIRE(slots.size() == 2);
  CHECK(slots[0].server_type == "mysql");
  CHECK(slots[0].used == 0);
  CHECK(slots[0].total == 0);
  CHECK(slots[1].server_type == "postgres");
  CHECK(slots[1].used == 9);
  CHECK(slots[1].total == 24);
}

TEST_CASE("A refresh publishes the table, and the next one follows its changes") {
  Fleet fleet;
  fleet.AddPool("a", "postgres", "ACTIVE", "HEALTHY", 3, 10);
  fleet.AddPool("b", "postgres", "ACTIVE", "UNHEALTHY", 1, 4);
  FleetView view(fleet.repository, fleet.metrics, {absl::ZeroDuration()});
  const absl::Time before = absl::Now();
  REQUIRE(view.Refresh().ok());
  CHECK(fleet.Pools("postgres", "ACTIVE", "HEALTHY") == 1);
  CHECK(fleet.Pools("postgres", "ACTIVE", "UNHEALTHY") == 1);
  CHECK(fleet.Slots("used", "postgres") == 4);
  CHECK(fleet.Slots("total", "postgres") == 14);
  CHECK(*ReadSample(fleet.registry, "dbs_fleet_refresh_timestamp_seconds") >=
        absl::ToDoubleSeconds(before - absl::UnixEpoch()) - 1);

  fleet.Sql("UPDATE db_servers SET health = 'HEALTHY' WHERE display_name = 'b'");
  fleet.Sql("UPDATE db_servers SET instance_count = 9 WHERE display_name = 'a'");
  REQUIRE(view.Refresh().ok());
  CHECK(fleet.Pools("postgres", "ACTIVE", "HEALTHY") == 2);
  CHECK(fleet.Pools("postgres", "ACTIVE", "UNHEALTHY") == 0);  // gone from the table: 0
  CHECK(fleet.Slots("used", "postgres") == 10);
  CHECK(ReadSample(fleet.registry, "dbs_fleet_refresh_errors_total") == 0);
}

TEST_CASE("The timer refreshes on its own") {
  Fleet fleet;
  fleet.AddPool("a", "postgres", "ACTIVE", "HEALTHY", 2, 10);
  FleetView view(fleet.repository, fleet.metrics, {absl::Milliseconds(50)});
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (fleet.Slots("used", "postgres") != 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  CHECK(fleet.Slots("used", "postgres") == 2);
}

TEST_CASE("A failed refresh is counted and keeps the last published values") {
  Fleet fleet;
  fleet.AddPool("a", "postgres", "ACTIVE", "HEALTHY", 2, 10);
  FleetView view(fleet.repository, fleet.metrics, {absl::ZeroDuration()});
  REQUIRE(view.Refresh().ok());

  // The same metrics fed by a repository whose database is gone.
  dbs::pq::PgPoolOptions dead = Fleet::PoolOptions(
      absl::StrCat(fleet.database.connection_string(), " dbname=no_such_database"));
  dbs::pq::PgPool dead_pool(dead);
  FleetStatsRepository dead_repository(&dead_pool);
  FleetView broken(dead_repository, fleet.metrics, {absl::ZeroDuration(), absl::Seconds(5)});
  const absl::Status status = broken.Refresh();
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(ReadSample(fleet.registry, "dbs_fleet_refresh_errors_total") == 1);
  CHECK(fleet.Slots("used", "postgres") == 2);
}

}  // namespace
