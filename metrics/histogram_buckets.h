#ifndef METRICS_HISTOGRAM_BUCKETS_H_
#define METRICS_HISTOGRAM_BUCKETS_H_

#include "prometheus/histogram.h"

namespace dbs::metrics {

// Bucket upper bounds, in seconds. Fixed per metric name: changing them changes
// what histogram_quantile() reports, so dashboards and alerts assume these.

// RPCs (server and client) and SQL statements: 0.5 ms .. 30 s. Finer at the low end
// than Prometheus' defaults, since most calls here take about a millisecond.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

// Waiting for a pooled connection: 0.1 ms .. 5 s (usually zero; the tail matters).
const prometheus::Histogram::BucketBoundaries& WaitBuckets();

// Health probes of pool servers (connect + SELECT 1), per pool, so kept short:
// 1 ms .. 5 s.
const prometheus::Histogram::BucketBoundaries& ProbeBuckets();

}  // namespace dbs::metrics

#endif  // METRICS_HISTOGRAM_BUCKETS_H_
