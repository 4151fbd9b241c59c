#include "metrics/serving_metrics.h"

#include <string>

namespace dbs::metrics {

absl::string_view ShedReasonLabel(ShedReason reason) {
  switch (reason) {
    case ShedReason::kQueueFull:
      return "queue_full";
    case ShedReason::kDeadline:
      return "deadline";
    case ShedReason::kShuttingDown:
      return "shutting_down";
  }
  return "queue_full";
}

ServingMetrics::ServingMetrics(prometheus::Registry& registry)
    : queue_depth_(prometheus::BuildGauge()
                       .Name("dbs_serving_queue_depth")
                       .Help("Calls admitted and waiting for an executor thread.")
                       .Register(registry)
                       .Add({})),
      in_flight_(prometheus::BuildGauge()
                     .Name("dbs_serving_in_flight")
                     .Help("Calls an executor thread is running.")
                     .Register(registry)
                     .Add({})) {
  auto& shed = prometheus::BuildCounter()
                   .Name("dbs_serving_shed_total")
                   .Help("Calls refused as UNAVAILABLE SERVER_OVERLOADED, by cause.")
                   .Register(registry);
  for (ShedReason reason :
       {ShedReason::kQueueFull, ShedReason::kDeadline, ShedReason::kShuttingDown}) {
    shed_[static_cast<int>(reason)] = &shed.Add({{"reason", std::string(ShedReasonLabel(reason))}});
  }
}

void ServingMetrics::Shed(ShedReason reason) { shed_[static_cast<int>(reason)]->Increment(); }

}  // namespace dbs::metrics
