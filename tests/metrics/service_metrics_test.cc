// The serving core, libpq pool, fleet view, pool probe, allocation and reconciler
// metrics: names, labels and the values they record.
#include <catch2/catch.hpp>

#include "metrics/allocation_metrics.h"
#include "metrics/fleet_metrics.h"
#include "metrics/pool_probe_metrics.h"
#include "metrics/pq_pool_metrics.h"
#include "metrics/reconciler_metrics.h"
#include "metrics/serving_metrics.h"
#include "metrics/testing/metric_reader.h"

namespace {

using dbs::metrics::testing::ReadHistogramSum;
using dbs::metrics::testing::ReadSample;

TEST_CASE("Serving metrics: queue depth, in-flight, and every shed reason from zero") {
  prometheus::Registry registry;
  dbs::metrics::ServingMetrics serving(registry);
  for (const char* reason : {"queue_full", "deadline", "shutting_down"}) {
    CAPTURE(reason);
    CHECK(ReadSample(registry, "dbs_serving_shed_total", {{"reason", reason}}) == 0);
  }
  serving.queue_depth().Increment();
  serving.queue_depth().Increment();
  serving.queue_depth().Decrement();
  serving.in_flight().Set(4);
  serving.Shed(dbs::metrics::ShedReason::kDeadline);
  CHECK(ReadSample(registry, "dbs_serving_queue_depth") == 1);
  CHECK(ReadSample(registry, "dbs_serving_in_flight") == 4);
  CHECK(ReadSample(registry, "dbs_serving_shed_total", {{"reason", "deadline"}}) == 1);
  CHECK(ReadSample(registry, "dbs_serving_shed_total", {{"reason", "queue_full"}}) == 0);
}

TEST_CASE("Pool metrics: connections by state, acquire wait, statement latency by name") {
  prometheus::Registry registry;
  dbs::metrics::PqPoolMetrics pool(registry);
  pool.SetConnections(3, 5);
  pool.ObserveAcquireWait(absl::Milliseconds(4));
  pool.ObserveStatement("db_servers_get", absl::Milliseconds(1));
  pool.ObserveStatement("db_servers_get", absl::Milliseconds(3));
  pool.ObserveStatement("db_servers_list", absl::Milliseconds(2));
  CHECK(ReadSample(registry, "dbs_pq_connections", {{"state", "in_use"}}) == 3);
  CHECK(ReadSample(registry, "dbs_pq_connections", {{"state", "idle"}}) == 5);
  CHECK(ReadSample(registry, "dbs_pq_acquire_wait_seconds") == 1);
  CHECK(ReadHistogramSum(registry, "dbs_pq_acquire_wait_seconds") == Approx(0.004));
  CHECK(ReadSample(registry, "dbs_pq_statement_seconds", {{"statement", "db_servers_get"}}) == 2);
  CHECK(ReadHistogramSum(registry, "dbs_pq_statement_seconds", {{"statement", "db_servers_get"}}) ==
        Approx(0.004));
  CHECK(ReadSample(registry, "dbs_pq_statement_seconds", {{"statement", "db_servers_list"}}) == 1);
}

TEST_CASE("Fleet metrics: a snapshot replaces the last one, vanished series read 0") {
  prometheus::Registry registry;
  dbs::metrics::FleetMetrics fleet(registry);
  const prometheus::Labels unhealthy = {
      {"server_type", "postgres"}, {"state", "ACTIVE"}, {"health", "UNHEALTHY"}};
  const prometheus::Labels healthy = {
      {"server_type", "postgres"}, {"state", "ACTIVE"}, {"health", "HEALTHY"}};
  fleet.Publish({{"postgres", "ACTIVE", "HEALTHY", 2}, {"postgres", "ACTIVE", "UNHEALTHY", 1}},
                {{"postgres", 7, 30}}, absl::FromUnixSeconds(1000));
  CHECK(ReadSample(registry, "dbs_fleet_pools", healthy) == 2);
  CHECK(ReadSample(registry, "dbs_fleet_pools", unhealthy) == 1);
  CHECK(ReadSample(registry, "dbs_fleet_slots_used", {{"server_type", "postgres"}}) == 7);
  CHECK(ReadSample(registry, "dbs_fleet_slots_total", {{"server_type", "postgres"}}) == 30);
  CHECK(ReadSample(registry, "dbs_fleet_refresh_timestamp_seconds") == 1000);

  fleet.Publish({{"postgres", "ACTIVE", "HEALTHY", 3}}, {{"mysql", 1, 5}},
                absl::FromUnixSeconds(1015));
  CHECK(ReadSample(registry, "dbs_fleet_pools", healthy) == 3);
  CHECK(ReadSample(registry, "dbs_fleet_pools", unhealthy) == 0);
  CHECK(ReadSample(registry, "dbs_fleet_slots_used", {{"server_type", "postgres"}}) == 0);
  CHECK(ReadSample(registry, "dbs_fleet_slots_total", {{"server_type", "mysql"}}) == 5);
  CHECK(ReadSample(registry, "dbs_fleet_refresh_timestamp_seconds") == 1015);

  CHECK(ReadSample(registry, "dbs_fleet_refresh_errors_total") == 0);
  fleet.RefreshFailed();
  CHECK(ReadSample(registry, "dbs_fleet_refresh_errors_total") == 1);
}

TEST_CASE("Probe metrics: one count per verdict and pool, latency per pool") {
  prometheus::Registry registry;
  dbs::metrics::PoolProbeMetrics probes(registry);
  probes.Probed("pg-eu-1", "HEALTHY", absl::Milliseconds(3));
  probes.Probed("pg-eu-1", "UNHEALTHY", absl::Seconds(2));
  probes.Probed("pg-eu-2", "HEALTHY", absl::Milliseconds(1));
  CHECK(ReadSample(registry, "dbs_pool_probe_total",
                   {{"pool", "pg-eu-1"}, {"result", "HEALTHY"}}) == 1);
  CHECK(ReadSample(registry, "dbs_pool_probe_total",
                   {{"pool", "pg-eu-1"}, {"result", "UNHEALTHY"}}) == 1);
  CHECK(ReadSample(registry, "dbs_pool_probe_seconds", {{"pool", "pg-eu-1"}}) == 2);
  CHECK(ReadHistogramSum(registry, "dbs_pool_probe_seconds", {{"pool", "pg-eu-1"}}) ==
        Approx(2.003));
  CHECK(ReadSample(registry, "dbs_pool_probe_seconds", {{"pool", "pg-eu-2"}}) == 1);
}

TEST_CASE("Allocation metrics: every outcome exists from zero and counts") {
  prometheus::Registry registry;
  dbs::metrics::AllocationMetrics allocations(registry);
  for (const char* outcome :
       {"ok", "invalid_request", "no_capacity", "allocate_error", "pool_unavailable", "pool_error",
        "slot_leaked", "released", "release_error"}) {
    CAPTURE(outcome);
    CHECK(ReadSample(registry, "dbs_allocations_total", {{"outcome", outcome}}) == 0);
  }
  allocations.Count(dbs::metrics::AllocationOutcome::kOk);
  allocations.Count(dbs::metrics::AllocationOutcome::kOk);
  allocations.Count(dbs::metrics::AllocationOutcome::kNoCapacity);
  CHECK(ReadSample(registry, "dbs_allocations_total", {{"outcome", "ok"}}) == 2);
  CHECK(ReadSample(registry, "dbs_allocations_total", {{"outcome", "no_capacity"}}) == 1);
}

TEST_CASE("Reconciler metrics: declared kinds start at zero, repairs count by kind") {
  prometheus::Registry registry;
  dbs::metrics::ReconcilerMetrics reconciler(registry, {"leaked_slot", "orphan_database"});
  CHECK(ReadSample(registry, "dbs_reconciler_repairs_total", {{"kind", "leaked_slot"}}) == 0);
  reconciler.Repaired("orphan_database");
  CHECK(ReadSample(registry, "dbs_reconciler_repairs_total", {{"kind", "orphan_database"}}) == 1);
  CHECK(ReadSample(registry, "dbs_reconciler_repairs_total", {{"kind", "nonexistent"}}) ==
        std::nullopt);
}

}  // namespace
