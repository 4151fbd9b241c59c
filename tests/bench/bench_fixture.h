#ifndef TESTS_BENCH_BENCH_FIXTURE_H_
#define TESTS_BENCH_BENCH_FIXTURE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/bench/workload.h"

namespace dbs::bench {

// Replaces every row of db_servers (a migrated instance database) with `pools`
// ACTIVE, HEALTHY pools named pool-1..pool-N, alternately of server_type
// postgres and mysql, with room for a billion instances each, as the direct-SQL
// yardstick's schema has them. Also creates the old table's availability index,
// which the old service's get_available statement relies on, and analyzes.
absl::Status SeedPools(const std::string& conninfo, int64_t pools);

// The ids and names of every pool of server_type postgres (the rows the
// workloads address), in name order.
absl::StatusOr<PoolSet> LoadPools(const std::string& conninfo);

// Waits until at most `max_backends` client connections remain on the server, or
// `timeout` passes. A run with 512 callers leaves 512 backends exiting for a second
// or two; the next run must not pay for them.
absl::Status WaitForBackendsToExit(const std::string& conninfo, int max_backends,
                                   absl::Duration timeout);

}  // namespace dbs::bench

#endif  // TESTS_BENCH_BENCH_FIXTURE_H_
