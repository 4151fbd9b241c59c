#ifndef INSTANCE_SERVICE_FLEET_FLEET_VIEW_H_
#define INSTANCE_SERVICE_FLEET_FLEET_VIEW_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "instance_service/repository/fleet_stats_repository.h"
#include "metrics/fleet_metrics.h"
#include "serving/periodic_task.h"

namespace dbs::instance {

struct FleetViewOptions {
  // Time between refreshes; the first one runs one interval after construction.
  // Zero or less: no timer (Refresh() still works).
  absl::Duration interval = absl::Seconds(15);
  // Bound on one refresh (waiting for a connection and the query).
  absl::Duration timeout = absl::Seconds(5);
};

// instance-service's fleet metrics (metrics::FleetMetrics): on a timer, reads the
// aggregate of db_servers (FleetStatsRepository) and publishes it, so a scrape
// only reads gauges and never touches the database.
//
// Slots count ACTIVE pools only, whatever their health: those are the pools
// allocation may use, and an unhealthy one is a separate alert. Every server_type
// that has a pool gets slots series, 0/0 when none of its pools is ACTIVE.
//
// A failed refresh logs a warning, counts dbs_fleet_refresh_errors_total and
// leaves the gauges as they were; dbs_fleet_refresh_timestamp_seconds shows how old
// they are. Thread-safe; `repository` and `metrics` must outlive this object.
class FleetView {
 public:
  FleetView(FleetStatsRepository& repository, metrics::FleetMetrics& metrics,
            FleetViewOptions options = {});
  FleetView(const FleetView&) = delete;
  FleetView& operator=(const FleetView&) = delete;

  // Reads and publishes once, now. Errors: those of CountByGroup.
  absl::Status Refresh();

  // The metrics for `groups`: pool counts per group, slots per server_type.
  static void Summarise(const std::vector<FleetGroup>& groups,
                        std::vector<metrics::FleetMetrics::PoolCount>* pools,
                        std::vector<metrics::FleetMetrics::Slots>* slots);

 private:
  FleetStatsRepository& repository_;
  metrics::FleetMetrics& metrics_;
  const FleetViewOptions options_;
  std::unique_ptr<serving::PeriodicTask> timer_;  // last: stopped before the rest goes
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_FLEET_FLEET_VIEW_H_
