#include "instance_service/fleet/fleet_view.h"

#include <map>
#include <string>
#include <utility>

#include "glog/logging.h"

namespace dbs::instance {

FleetView::FleetView(FleetStatsRepository& repository, metrics::FleetMetrics& metrics,
                     FleetViewOptions options)
    : repository_(repository), metrics_(metrics), options_(options) {
  if (options_.interval > absl::ZeroDuration()) {
    timer_ = std::make_unique<serving::PeriodicTask>(
        [this] {
          if (absl::Status refreshed = Refresh(); !refreshed.ok()) {
            LOG(WARNING) << "fleet metrics not refreshed: " << refreshed;
          }
        },
        options_.interval);
  }
}

absl::Status FleetView::Refresh() {
  auto groups = repository_.CountByGroup(absl::Now() + options_.timeout);
  if (!groups.ok()) {
    metrics_.RefreshFailed();
    return groups.status();
  }
  std::vector<metrics::FleetMetrics::PoolCount> pools;
  std::vector<metrics::FleetMetrics::Slots> slots;
  Summarise(*groups, &pools, &slots);
  metrics_.Publish(pools, slots, absl::Now());
  return absl::OkStatus();
}

void FleetView::Summarise(const std::vector<FleetGroup>& groups,
                          std::vector<metrics::FleetMetrics::PoolCount>* pools,
                          std::vector<metrics::FleetMetrics::Slots>* slots) {
  std::map<std::string, metrics::FleetMetrics::Slots> by_type;  // ordered output
  for (const FleetGroup& group : groups) {
    pools->push_back({group.server_type, group.state, group.health, group.pools});
    metrics::FleetMetrics::Slots& type = by_type[group.server_type];
    type.server_type = group.server_type;
    if (group.state == "ACTIVE") {
      type.used += group.instances;
      type.total += group.capacity;
    }
  }
  for (auto& [name, type] : by_type) slots->push_back(std::move(type));
}

}  // namespace dbs::instance
