#ifndef METRICS_HISTOGRAM_BY_LABEL_H_
#define METRICS_HISTOGRAM_BY_LABEL_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace dbs::metrics {

// The series of a histogram family that has one label (a statement name, a pool),
// looked up by that label's value. prometheus::Family::Add builds a histogram (and
// its bucket vector) on every call, even when the series exists; this keeps one
// pointer per value, so recording a sample on a hot path takes a reader lock and a
// hash lookup. Thread-safe. Values are never forgotten: use it for labels whose
// values are bounded (statement names, pools).
class HistogramByLabel {
 public:
  HistogramByLabel(prometheus::Family<prometheus::Histogram>& family, std::string label,
                   const prometheus::Histogram::BucketBoundaries& buckets)
      : family_(family), label_(std::move(label)), buckets_(buckets) {}

  prometheus::Histogram& Get(absl::string_view value);

 private:
  prometheus::Family<prometheus::Histogram>& family_;
  const std::string label_;
  const prometheus::Histogram::BucketBoundaries& buckets_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, prometheus::Histogram*> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dbs::metrics

#endif  // METRICS_HISTOGRAM_BY_LABEL_H_
