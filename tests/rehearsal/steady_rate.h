#ifndef TESTS_REHEARSAL_STEADY_RATE_H_
#define TESTS_REHEARSAL_STEADY_RATE_H_

#include <atomic>
#include <cstdint>
#include <functional>

namespace dbs::rehearsal {

// Calls `operation(n)` for n = 0, 1, 2, ... at `per_second` calls a second, from the
// calling thread, until `stop` is set or `max_operations` calls were made (0: no
// limit). A call is never cut short: `stop` is looked at between calls, so a
// generator stops with nothing half done (drained). A call that overruns its slot
// delays the next one instead of being followed by a burst, as a real service's
// steady load would be.
void RunAtSteadyRate(double per_second, int64_t max_operations, const std::atomic<bool>& stop,
                     const std::function<void(int64_t)>& operation);

}  // namespace dbs::rehearsal

#endif  // TESTS_REHEARSAL_STEADY_RATE_H_
