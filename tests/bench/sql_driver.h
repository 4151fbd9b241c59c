#ifndef TESTS_BENCH_SQL_DRIVER_H_
#define TESTS_BENCH_SQL_DRIVER_H_

#include <string>

#include "absl/status/statusor.h"
#include "tests/bench/run_result.h"
#include "tests/bench/workload.h"

namespace dbs::bench {

// The yardstick: the statements the old database-service ran on db_servers
// (tests/bench/README.md), renamed to the table's columns, each prepared and sent
// alone, one round trip per operation, no explicit transaction. Like
// `pgbench -M prepared -c N -j threads`: one connection per caller, `threads`
// threads each driving its share of the connections with non-blocking libpq.
class SqlDriver {
 public:
  SqlDriver(std::string conninfo, int threads)
      : conninfo_(std::move(conninfo)), threads_(threads) {}

  // Connects `spec.concurrency` connections, runs the closed loop for warmup +
  // duration, and reports what completed inside the measured window.
  absl::StatusOr<RunResult> Run(const RunSpec& spec, const PoolSet& pools) const;

 private:
  std::string conninfo_;
  int threads_;
};

}  // namespace dbs::bench

#endif  // TESTS_BENCH_SQL_DRIVER_H_
