#include "metrics/reconciler_metrics.h"

namespace dbs::metrics {

ReconcilerMetrics::ReconcilerMetrics(prometheus::Registry& registry,
                                     const std::vector<std::string>& kinds)
    : repairs_(prometheus::BuildCounter()
                   .Name("dbs_reconciler_repairs_total")
                   .Help("Repairs the reconciler made, by kind.")
                   .Register(registry)) {
  for (const std::string& kind : kinds) repairs_.Add({{"kind", kind}});
}

void ReconcilerMetrics::Repaired(absl::string_view kind) {
  repairs_.Add({{"kind", std::string(kind)}}).Increment();
}

}  // namespace dbs::metrics
