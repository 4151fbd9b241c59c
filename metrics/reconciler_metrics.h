#ifndef METRICS_RECONCILER_METRICS_H_
#define METRICS_RECONCILER_METRICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// database-service's reconciler, which repairs drift between instance-service's
// records and the pool servers:
//
//   dbs_reconciler_repairs_total{kind}   counter, one per repair made
//
//   ReconcilerMetrics reconciler_metrics(exporter.registry(),
//                                        {"leaked_slot", "orphan_database"});
//   reconciler_metrics.Repaired("leaked_slot");
//
// Pass every kind the reconciler can report: their series start at 0, so the
// alert on increase() sees the very first repair (a series that appears at 1 has
// no increase). `kind` must come from a fixed set. Thread-safe; `registry` must
// outlive this object.
class ReconcilerMetrics {
 public:
  ReconcilerMetrics(prometheus::Registry& registry, const std::vector<std::string>& kinds);
  ReconcilerMetrics(const ReconcilerMetrics&) = delete;
  ReconcilerMetrics& operator=(const ReconcilerMetrics&) = delete;

  void Repaired(absl::string_view kind);

 private:
  prometheus::Family<prometheus::Counter>& repairs_;
};

}  // namespace dbs::metrics

#endif  // METRICS_RECONCILER_METRICS_H_
