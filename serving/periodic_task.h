#ifndef SERVING_PERIODIC_TASK_H_
#define SERVING_PERIODIC_TASK_H_

#include <atomic>
#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace dbs::serving {

struct PeriodicTaskOptions {
  // The wait between runs; must be positive.
  absl::Duration interval = absl::Seconds(1);
  // Each wait is drawn uniformly from interval * [1 - jitter, 1 + jitter], so replicas
  // started together do not hit a shared dependency in lock-step. 0 to 1.
  double jitter = 0;
  // The first run starts at once instead of one wait after construction.
  bool run_at_start = false;
  // Each wait counts from the start of the previous run instead of its end: a steady
  // rate while runs are shorter than the interval, back to back when they are not.
  bool wait_from_run_start = false;
};

// The one "run this every N until told to stop" loop of the repository: `task` runs
// on a background thread owned by this object, never two runs at once. Stop(), or the
// destructor, wakes the thread out of its wait at once and waits only for a run in
// progress, so `task` may use anything that outlives this object. For housekeeping
// such as readiness checks, purges and monitoring passes; a task that fails should log
// and return.
class PeriodicTask {
 public:
  PeriodicTask(std::function<void()> task, PeriodicTaskOptions options);
  // Every `interval`, the first one interval after construction.
  PeriodicTask(std::function<void()> task, absl::Duration interval);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // No run starts after this returns. Idempotent and thread-safe; not from `task`.
  void Stop();

  // How many runs have finished.
  int runs() const { return runs_.load(); }

  // One wait, drawn from the jitter window.
  static absl::Duration NextWait(const PeriodicTaskOptions& options);

 private:
  void Run();

  const std::function<void()> task_;
  const PeriodicTaskOptions options_;
  absl::Notification stop_;
  std::atomic<int> runs_{0};
  absl::Mutex stop_mutex_;  // two Stop() calls must not join the thread twice
  std::thread thread_;      // last: starts once everything it reads exists
};

}  // namespace dbs::serving

#endif  // SERVING_PERIODIC_TASK_H_
