#ifndef METRICS_FLEET_METRICS_H_
#define METRICS_FLEET_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// instance-service's view of the whole fleet of pools, computed by a periodic query
// (never per scrape) and published here as gauges:
//
//   dbs_fleet_pools{server_type,state,health}     pools in that state and health
//   dbs_fleet_slots_used{server_type}             instances on allocatable pools
//   dbs_fleet_slots_total{server_type}            capacity of allocatable pools
//   dbs_fleet_refresh_timestamp_seconds           Unix time of the last Publish()
//   dbs_fleet_refresh_errors_total                refreshes that failed
//
// state and health are the values stored in db_servers (ACTIVE, HEALTHY,
// UNHEALTHY, ...); which pools count as allocatable is the publisher's rule.
//
// Each Publish() replaces the previous snapshot: a series published before and
// absent now is set to 0 (not removed), so "no UNHEALTHY pool" reads 0 rather
// than "no data". Thread-safe; `registry` must outlive this object.
class FleetMetrics {
 public:
  struct PoolCount {
    std::string server_type;
    std::string state;
    std::string health;
    int64_t pools = 0;
  };
  struct Slots {
    std::string server_type;
    int64_t used = 0;
    int64_t total = 0;
  };

  explicit FleetMetrics(prometheus::Registry& registry);
  FleetMetrics(const FleetMetrics&) = delete;
  FleetMetrics& operator=(const FleetMetrics&) = delete;

  void Publish(const std::vector<PoolCount>& pools, const std::vector<Slots>& slots,
               absl::Time refreshed_at);
  void RefreshFailed();

 private:
  absl::Mutex mu_;
  prometheus::Family<prometheus::Gauge>& pools_;
  prometheus::Family<prometheus::Gauge>& slots_used_;
  prometheus::Family<prometheus::Gauge>& slots_total_;
  prometheus::Gauge& refreshed_at_;
  prometheus::Counter& refresh_errors_;
  // Every series published so far, to zero those a snapshot no longer has.
  absl::flat_hash_set<prometheus::Gauge*> published_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dbs::metrics

#endif  // METRICS_FLEET_METRICS_H_
