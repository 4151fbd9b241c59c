#ifndef METRICS_POOL_PROBE_METRICS_H_
#define METRICS_POOL_PROBE_METRICS_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "metrics/histogram_by_label.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// database-service's health probes of the pool servers (connect + SELECT 1):
//
//   dbs_pool_probe_total{pool,result}   counter    one per probe; result is the
//                                                  verdict: HEALTHY, DEGRADED, UNHEALTHY
//   dbs_pool_probe_seconds{pool}        histogram  the probe's duration, failed ones
//                                                  included (a timeout shows as such)
//
// `pool` is the pool's display_name (unique, human-readable), so the series grow
// with the fleet: one counter per verdict seen and one histogram per pool.
//
//   PoolProbeMetrics probe_metrics(exporter.registry());
//   probe_metrics.Probed("pg-eu-1", "HEALTHY", elapsed);
//
// Thread-safe; `registry` must outlive this object.
class PoolProbeMetrics {
 public:
  explicit PoolProbeMetrics(prometheus::Registry& registry);
  PoolProbeMetrics(const PoolProbeMetrics&) = delete;
  PoolProbeMetrics& operator=(const PoolProbeMetrics&) = delete;

  void Probed(absl::string_view pool, absl::string_view result, absl::Duration elapsed);

 private:
  prometheus::Family<prometheus::Counter>& probes_;
  HistogramByLabel probe_seconds_;
};

}  // namespace dbs::metrics

#endif  // METRICS_POOL_PROBE_METRICS_H_
