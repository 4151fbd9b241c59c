#ifndef METRICS_PQ_POOL_METRICS_H_
#define METRICS_PQ_POOL_METRICS_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "metrics/histogram_by_label.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// The libpq connection pool (pq::PgPool) and the statements run on it:
//
//   dbs_pq_connections{state="in_use"|"idle"}   gauge
//   dbs_pq_acquire_wait_seconds                 histogram  time in PgPool::Acquire
//   dbs_pq_statement_seconds{statement}         histogram  one statement's round trip
//
//   PqPoolMetrics pq_metrics(exporter.registry());
//   pq_metrics.SetConnections(open - idle, idle);      // whenever the counts change
//   pq_metrics.ObserveAcquireWait(absl::Now() - start);
//   pq_metrics.ObserveStatement(statement.name, elapsed);   // the PgStatement name
//
// `statement` must come from a bounded set (PgStatement names, or a fixed word such
// as "simple_query" for unnamed SQL), never from input. Thread-safe; `registry`
// must outlive this object.
class PqPoolMetrics {
 public:
  explicit PqPoolMetrics(prometheus::Registry& registry);
  PqPoolMetrics(const PqPoolMetrics&) = delete;
  PqPoolMetrics& operator=(const PqPoolMetrics&) = delete;

  void SetConnections(int in_use, int idle);
  void ObserveAcquireWait(absl::Duration wait);
  void ObserveStatement(absl::string_view statement, absl::Duration elapsed);

 private:
  prometheus::Gauge& in_use_;
  prometheus::Gauge& idle_;
  prometheus::Histogram& acquire_wait_;
  HistogramByLabel statements_;
};

}  // namespace dbs::metrics

#endif  // METRICS_PQ_POOL_METRICS_H_
