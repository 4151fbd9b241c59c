#include "metrics/fleet_metrics.h"

namespace dbs::metrics {

FleetMetrics::FleetMetrics(prometheus::Registry& registry)
    : pools_(prometheus::BuildGauge()
                 .Name("dbs_fleet_pools")
                 .Help("Pools (db_servers rows) by server_type, state and health, from "
                       "instance-service's periodic fleet query.")
                 .Register(registry)),
      slots_used_(prometheus::BuildGauge()
                      .Name("dbs_fleet_slots_used")
                      .Help("Instances placed on ACTIVE pools, by server_type.")
                      .Register(registry)),
      slots_total_(prometheus::BuildGauge()
                       .Name("dbs_fleet_slots_total")
                       .Help("Capacity (max_instances) of ACTIVE pools, by server_type.")
                       .Register(registry)),
      refreshed_at_(prometheus::BuildGauge()
                        .Name("dbs_fleet_refresh_timestamp_seconds")
                        .Help("Unix time of the last successful fleet query.")
                        .Register(registry)
                        .Add({})),
      refresh_errors_(prometheus::BuildCounter()
                          .Name("dbs_fleet_refresh_errors_total")
                          .Help("Fleet queries that failed (the gauges keep their last values).")
                          .Register(registry)
                          .Add({})) {}

void FleetMetrics::Publish(const std::vector<PoolCount>& pools, const std::vector<Slots>& slots,
                           absl::Time refreshed_at) {
  absl::MutexLock lock(&mu_);
  absl::flat_hash_set<prometheus::Gauge*> current;
  auto set = [&](prometheus::Gauge& gauge, double value) {
    gauge.Set(value);
    current.insert(&gauge);
    published_.insert(&gauge);
  };
  for (const PoolCount& count : pools) {
    set(pools_.Add(
            {{"server_type", count.server_type}, {"state", count.state}, {"health", count.health}}),
        static_cast<double>(count.pools));
  }
  for (const Slots& slot : slots) {
    set(slots_used_.Add({{"server_type", slot.server_type}}), static_cast<double>(slot.used));
    set(slots_total_.Add({{"server_type", slot.server_type}}), static_cast<double>(slot.total));
  }
  for (prometheus::Gauge* gauge : published_) {
    if (!current.contains(gauge)) gauge->Set(0);
  }
  refreshed_at_.Set(absl::ToDoubleSeconds(refreshed_at - absl::UnixEpoch()));
}

void FleetMetrics::RefreshFailed() { refresh_errors_.Increment(); }

}  // namespace dbs::metrics
