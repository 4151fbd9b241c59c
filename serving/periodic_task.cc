#include "serving/periodic_task.h"

#include <utility>

namespace dbs::serving {

PeriodicTask::PeriodicTask(std::function<void()> task, absl::Duration interval)
    : thread_([this, task = std::move(task), interval] {
        while (!stop_.WaitForNotificationWithTimeout(interval)) task();
      }) {}

PeriodicTask::~PeriodicTask() {
  stop_.Notify();
  thread_.join();
}

}  // namespace dbs::serving
