#include "tests/rehearsal/steady_rate.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace dbs::rehearsal {

void RunAtSteadyRate(double per_second, int64_t max_operations, const std::atomic<bool>& stop,
                     const std::function<void(int64_t)>& operation) {
  const absl::Duration period = absl::Seconds(1.0 / std::max(per_second, 0.001));
  absl::Time next = absl::Now();
  for (int64_t n = 0; !stop.load() && (max_operations == 0 || n < max_operations); ++n) {
    // Sleep in short slices so a stop request is seen within 50 ms.
    for (absl::Time now = absl::Now(); now < next && !stop.load(); now = absl::Now()) {
      absl::SleepFor(std::min(next - now, absl::Milliseconds(50)));
    }
    if (stop.load()) break;
    operation(n);
    next = std::max(next + period, absl::Now());
  }
}

}  // namespace dbs::rehearsal
