#include "serving/bounded_executor.h"

#include <algorithm>
#include <utility>

namespace dbs::serving {

const char* RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return "none";
    case Refusal::kQueueFull:
      return "queue_full";
    case Refusal::kDeadline:
      return "deadline";
    case Refusal::kShuttingDown:
      return "shutting_down";
  }
  return "unknown";
}

BoundedExecutor::BoundedExecutor(BoundedExecutorOptions options) : options_(options) {
  const int threads = std::max(1, options_.threads);
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

BoundedExecutor::~BoundedExecutor() { Shutdown(); }

Refusal BoundedExecutor::TrySubmit(absl::AnyInvocable<void() &&> task, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return Refusal::kShuttingDown;
  const int queued = static_cast<int>(queue_.size());
  if (queued >= options_.max_queue) return Refusal::kQueueFull;
  // Every worker is busy and tasks wait already: the new one starts after roughly
  // (queued + 1) / workers average runs. Refuse it now rather than at its deadline.
  if (busy_ + queued >= static_cast<int>(workers_.size())) {
    const absl::Duration wait = average_run_ * (queued + 1) / static_cast<double>(workers_.size());
    if (absl::Now() + wait + average_run_ > deadline) return Refusal::kDeadline;
  }
  queue_.push_back(std::move(task));
  return Refusal::kNone;
}

void BoundedExecutor::Work() {
  while (true) {
    absl::AnyInvocable<void() &&> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](BoundedExecutor* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    const absl::Time started = absl::Now();
    std::move(task)();
    const absl::Duration ran = absl::Now() - started;
    absl::MutexLock lock(&mu_);
    --busy_;
    // An exponential moving average over roughly the last 16 tasks.
    average_run_ = average_run_ == absl::ZeroDuration() ? ran : (average_run_ * 15 + ran) / 16;
  }
}

void BoundedExecutor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

int BoundedExecutor::queue_depth() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

int BoundedExecutor::busy_workers() const {
  absl::MutexLock lock(&mu_);
  return busy_;
}

}  // namespace dbs::serving
