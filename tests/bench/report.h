#ifndef TESTS_BENCH_REPORT_H_
#define TESTS_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/bench/run_result.h"

namespace dbs::bench {

// The API run and the SQL run of one (workload, table size, concurrency) cell,
// measured back to back so that drift of the shared machine cancels out.
struct Pair {
  RunResult api;
  RunResult sql;
};

// One Markdown table row for `pair` (see TableHeader for the columns).
std::string TableHeader();
std::string TableRow(const Pair& pair);

// Writes `dir`/results.json (every run), `dir`/summary.md (the table) and
// `dir`/chart.dat (the series tests/bench/chart.gp plots).
absl::Status WriteReport(const std::string& dir, const std::vector<Pair>& pairs,
                         const std::string& header_note);

}  // namespace dbs::bench

#endif  // TESTS_BENCH_REPORT_H_
