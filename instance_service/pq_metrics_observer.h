#ifndef INSTANCE_SERVICE_PQ_METRICS_OBSERVER_H_
#define INSTANCE_SERVICE_PQ_METRICS_OBSERVER_H_

#include "metrics/pq_pool_metrics.h"
#include "pq/pg_observer.h"

namespace dbs::instance {

// Reports the instance database's connection pool (pq::PgPool) as the dbs_pq_*
// Prometheus families: pq itself knows no metrics library. `metrics` must outlive
// this object, which must outlive the pool. Thread-safe.
class PqMetricsObserver final : public pq::PgObserver {
 public:
  explicit PqMetricsObserver(metrics::PqPoolMetrics& metrics) : metrics_(metrics) {}

  void ConnectionsChanged(int in_use, int idle) override { metrics_.SetConnections(in_use, idle); }
  void AcquireWaited(absl::Duration wait) override { metrics_.ObserveAcquireWait(wait); }
  void StatementAnswered(absl::string_view name, absl::Duration elapsed) override {
    metrics_.ObserveStatement(name, elapsed);
  }

 private:
  metrics::PqPoolMetrics& metrics_;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_PQ_METRICS_OBSERVER_H_
