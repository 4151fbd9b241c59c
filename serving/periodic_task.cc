#include "serving/periodic_task.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/time/clock.h"

namespace dbs::serving {

PeriodicTask::PeriodicTask(std::function<void()> task, PeriodicTaskOptions options)
    : task_(std::move(task)), options_(options), thread_([this] { Run(); }) {}

PeriodicTask::PeriodicTask(std::function<void()> task, absl::Duration interval)
    : PeriodicTask(std::move(task), PeriodicTaskOptions{interval}) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() {
  absl::MutexLock lock(&stop_mutex_);
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
}

absl::Duration PeriodicTask::NextWait(const PeriodicTaskOptions& options) {
  thread_local absl::BitGen random;
  const double jitter = std::clamp(options.jitter, 0.0, 1.0);
  if (jitter == 0) return options.interval;
  return options.interval * absl::Uniform(random, 1.0 - jitter, 1.0 + jitter);
}

void PeriodicTask::Run() {
  absl::Time next = options_.run_at_start ? absl::Now() : absl::Now() + NextWait(options_);
  while (!stop_.WaitForNotificationWithDeadline(next)) {
    const absl::Time started = absl::Now();
    task_();
    ++runs_;
    next = (options_.wait_from_run_start ? started : absl::Now()) + NextWait(options_);
  }
}

}  // namespace dbs::serving
