#ifndef TESTS_BENCH_API_DRIVER_H_
#define TESTS_BENCH_API_DRIVER_H_

#include <memory>

#include "client/instance_service_connection.h"
#include "tests/bench/run_result.h"
#include "tests/bench/workload.h"

namespace dbs::bench {

// The API side: `spec.concurrency` closed-loop callers on InstanceServiceClient's
// non-blocking API (InstanceServiceConnection, the layer under the client, with its
// deadlines, retries and request ids). Each caller sends its next call from the
// completion of the previous one, so no thread blocks per caller.
class ApiDriver {
 public:
  ApiDriver(std::shared_ptr<client::InstanceServiceConnection> connection,
            absl::Duration call_timeout)
      : connection_(std::move(connection)), call_timeout_(call_timeout) {}

  RunResult Run(const RunSpec& spec, const PoolSet& pools) const;

 private:
  std::shared_ptr<client::InstanceServiceConnection> connection_;
  absl::Duration call_timeout_;
};

}  // namespace dbs::bench

#endif  // TESTS_BENCH_API_DRIVER_H_
