#include "metrics/pq_pool_metrics.h"

#include "metrics/histogram_buckets.h"

namespace dbs::metrics {
namespace {

prometheus::Family<prometheus::Gauge>& ConnectionsFamily(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("dbs_pq_connections")
      .Help("Open PostgreSQL connections of the pool, handed out (in_use) or idle.")
      .Register(registry);
}

}  // namespace

PqPoolMetrics::PqPoolMetrics(prometheus::Registry& registry)
    : in_use_(ConnectionsFamily(registry).Add({{"state", "in_use"}})),
      idle_(ConnectionsFamily(registry).Add({{"state", "idle"}})),
      acquire_wait_(prometheus::BuildHistogram()
                        .Name("dbs_pq_acquire_wait_seconds")
                        .Help("Time spent waiting for a pooled PostgreSQL connection, in "
                              "seconds (opening a new one included).")
                        .Register(registry)
                        .Add({}, WaitBuckets())),
      statements_(prometheus::BuildHistogram()
                      .Name("dbs_pq_statement_seconds")
                      .Help("Round trip of one SQL statement, by prepared statement name, in "
                            "seconds.")
                      .Register(registry),
                  "statement", LatencyBuckets()) {}

void PqPoolMetrics::SetConnections(int in_use, int idle) {
  in_use_.Set(in_use);
  idle_.Set(idle);
}

void PqPoolMetrics::ObserveAcquireWait(absl::Duration wait) {
  acquire_wait_.Observe(absl::ToDoubleSeconds(wait));
}

void PqPoolMetrics::ObserveStatement(absl::string_view statement, absl::Duration elapsed) {
  statements_.Get(statement).Observe(absl::ToDoubleSeconds(elapsed));
}

}  // namespace dbs::metrics
