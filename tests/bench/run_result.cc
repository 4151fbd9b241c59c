#include "tests/bench/run_result.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace dbs::bench {

void LatencyRecorder::Merge(const LatencyRecorder& other) {
  micros_.insert(micros_.end(), other.micros_.begin(), other.micros_.end());
  sorted_ = false;
}

int64_t LatencyRecorder::Quantile(double q) {
  if (micros_.empty()) return 0;
  if (!sorted_) {
    std::sort(micros_.begin(), micros_.end());
    sorted_ = true;
  }
  const auto index = static_cast<size_t>(std::ceil(q * static_cast<double>(micros_.size()))) - 1;
  return micros_[std::min(index, micros_.size() - 1)];
}

void RunResult::SetLatencies(LatencyRecorder& latencies) {
  p50_us = latencies.Quantile(0.50);
  p90_us = latencies.Quantile(0.90);
  p99_us = latencies.Quantile(0.99);
  max_us = latencies.Quantile(1.0);
}

std::string RunResult::ToJson() const {
  std::vector<std::string> error_entries;
  for (const auto& [key, count] : errors) {
    error_entries.push_back(absl::StrCat("\"", key, "\":", count));
  }
  return absl::StrFormat(
      "{\"driver\":\"%s\",\"workload\":\"%s\",\"concurrency\":%d,\"pools\":%d,"
      "\"seconds\":%.3f,\"ok\":%d,\"ops_per_s\":%.1f,\"p50_us\":%d,\"p90_us\":%d,"
      "\"p99_us\":%d,\"max_us\":%d,\"errors\":{%s},\"server_rss_idle_kib\":%d,"
      "\"server_rss_peak_kib\":%d}",
      driver, WorkloadName(workload), concurrency, table_pools, seconds, ok, ops_per_second(),
      p50_us, p90_us, p99_us, max_us, absl::StrJoin(error_entries, ","), server_rss_idle_kib,
      server_rss_peak_kib);
}

}  // namespace dbs::bench
