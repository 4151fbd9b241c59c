#include "metrics/pool_probe_metrics.h"

#include <string>

#include "metrics/histogram_buckets.h"

namespace dbs::metrics {

PoolProbeMetrics::PoolProbeMetrics(prometheus::Registry& registry)
    : probes_(prometheus::BuildCounter()
                  .Name("dbs_pool_probe_total")
                  .Help("Health probes of pool servers, by pool (display_name) and verdict.")
                  .Register(registry)),
      probe_seconds_(prometheus::BuildHistogram()
                         .Name("dbs_pool_probe_seconds")
                         .Help("Duration of a pool server health probe (connect + SELECT 1), "
                               "failed probes included, in seconds.")
                         .Register(registry),
                     "pool", ProbeBuckets()) {}

void PoolProbeMetrics::Probed(absl::string_view pool, absl::string_view result,
                              absl::Duration elapsed) {
  probes_.Add({{"pool", std::string(pool)}, {"result", std::string(result)}}).Increment();
  probe_seconds_.Get(pool).Observe(absl::ToDoubleSeconds(elapsed));
}

}  // namespace dbs::metrics
