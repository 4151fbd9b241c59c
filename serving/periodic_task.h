#ifndef SERVING_PERIODIC_TASK_H_
#define SERVING_PERIODIC_TASK_H_

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace dbs::serving {

// Runs `task` on a background thread every `interval` (first run one interval after
// construction) until destroyed. The destructor stops the thread, waiting for a run in
// progress, so `task` may use anything that outlives this object. For housekeeping
// such as readiness checks and purges; a task that fails should log and return.
class PeriodicTask {
 public:
  PeriodicTask(std::function<void()> task, absl::Duration interval);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace dbs::serving

#endif  // SERVING_PERIODIC_TASK_H_
