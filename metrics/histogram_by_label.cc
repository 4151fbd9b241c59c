#include "metrics/histogram_by_label.h"

namespace dbs::metrics {

prometheus::Histogram& HistogramByLabel::Get(absl::string_view value) {
  {
    absl::ReaderMutexLock read(&mu_);
    if (auto it = series_.find(value); it != series_.end()) return *it->second;
  }
  absl::MutexLock write(&mu_);
  prometheus::Histogram*& series = series_[value];
  if (series == nullptr) series = &family_.Add({{label_, std::string(value)}}, buckets_);
  return *series;
}

}  // namespace dbs::metrics
