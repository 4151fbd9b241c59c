#ifndef TESTS_BENCH_RUN_RESULT_H_
#define TESTS_BENCH_RUN_RESULT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/bench/workload.h"

namespace dbs::bench {

// Latencies of the calls that completed inside a run's measured window.
class LatencyRecorder {
 public:
  void Record(absl::Duration latency) { micros_.push_back(absl::ToInt64Microseconds(latency)); }
  void Merge(const LatencyRecorder& other);
  size_t count() const { return micros_.size(); }
  // The q-quantile (0..1) in microseconds; sorts on first use. 0 when empty.
  int64_t Quantile(double q);

 private:
  std::vector<int64_t> micros_;
  bool sorted_ = false;
};

// The outcome of one run of one driver: what the report prints and the JSON holds.
struct RunResult {
  std::string driver;  // "api" or "sql"
  Workload workload = Workload::kFind;
  int concurrency = 0;
  int64_t table_pools = 0;
  double seconds = 0;  // measured window
  int64_t ok = 0;      // successful calls in the window
  // Failed calls in the window by "CODE REASON" (e.g. "UNAVAILABLE SERVER_OVERLOADED").
  std::map<std::string, int64_t> errors;
  int64_t p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  int64_t server_rss_idle_kib = 0;  // instance-service before the run (api only)
  int64_t server_rss_peak_kib = 0;  // its peak during the run (api only)

  double ops_per_second() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
  void SetLatencies(LatencyRecorder& latencies);
  std::string ToJson() const;
};

}  // namespace dbs::bench

#endif  // TESTS_BENCH_RUN_RESULT_H_
