#ifndef TESTS_BENCH_WORKLOAD_H_
#define TESTS_BENCH_WORKLOAD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace dbs::bench {

// What one benchmark run sends. Both drivers (the API through InstanceServiceClient,
// the old service's statements through libpq) run the same workloads on the same rows.
enum class Workload {
  kFind,       // FindAvailableDbServer  / the old get_available SELECT
  kGet,        // GetDbServer            / SELECT by unique key
  kList,       // ListDbServers, 50 rows / SELECT ... ORDER BY name LIMIT 50
  kIncrement,  // IncrementInstanceCount / UPDATE ... instance_count + 1
  kAllocate,   // AllocateDbServer       / UPDATE ... FOR UPDATE SKIP LOCKED
  kMixed,      // shaped like database-service, see PickMixedOperation
};

// One operation of a run; kMixed picks one of the others (plus kDecrement) per call.
enum class Operation { kFind, kGet, kList, kIncrement, kAllocate, kDecrement };

std::string WorkloadName(Workload workload);
std::optional<Workload> ParseWorkload(absl::string_view name);
// The operation a non-mixed workload always sends.
Operation SingleOperation(Workload workload);

// The mixed workload, per call: 40% get, 20% find, 20% allocate, 10% release of
// the slot this caller allocated last (decrement; an allocate when it holds none),
// 10% list. database-service allocates and releases per tenant, reads pools while
// provisioning, and lists them in its monitoring passes.
Operation PickMixedOperation(uint32_t random_percent, bool holds_slot);

// The rows a run addresses: every pool's id and display_name, in the same order.
struct PoolSet {
  std::vector<std::string> ids;
  std::vector<std::string> names;
  std::string server_type = "postgres";
};

struct RunSpec {
  Workload workload = Workload::kFind;
  int concurrency = 1;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(5);
  int64_t table_pools = 0;  // rows in db_servers, for the report
};

}  // namespace dbs::bench

#endif  // TESTS_BENCH_WORKLOAD_H_
