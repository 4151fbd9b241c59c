#ifndef METRICS_SERVING_METRICS_H_
#define METRICS_SERVING_METRICS_H_

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// Why the serving core refused a call. Every refusal is answered UNAVAILABLE with
// ErrorInfo reason SERVER_OVERLOADED; this is the cause, for operators.
enum class ShedReason {
  kQueueFull,     // "queue_full": the admission queue was at its bound
  kDeadline,      // "deadline": the caller's deadline could not be met
  kShuttingDown,  // "shutting_down": the process is draining
};
absl::string_view ShedReasonLabel(ShedReason reason);

// The serving core's admission and executor:
//
//   dbs_serving_queue_depth                 gauge   calls admitted, waiting for a worker
//   dbs_serving_in_flight                   gauge   calls a worker is running
//   dbs_serving_shed_total{reason}          counter calls refused as SERVER_OVERLOADED
//
//   ServingMetrics serving(exporter.registry());
//   serving.queue_depth().Increment();   // admitted ... Decrement() when a worker takes it
//   serving.in_flight().Increment();     // ... Decrement() when the answer is sent
//   serving.Shed(ShedReason::kQueueFull);
//
// Every shed reason's series exists from construction (at 0), so alerts on
// increase() see the first refusal. Thread-safe; `registry` must outlive this.
class ServingMetrics {
 public:
  explicit ServingMetrics(prometheus::Registry& registry);
  ServingMetrics(const ServingMetrics&) = delete;
  ServingMetrics& operator=(const ServingMetrics&) = delete;

  prometheus::Gauge& queue_depth() { return queue_depth_; }
  prometheus::Gauge& in_flight() { return in_flight_; }
  void Shed(ShedReason reason);

 private:
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter* shed_[3];
};

}  // namespace dbs::metrics

#endif  // METRICS_SERVING_METRICS_H_
