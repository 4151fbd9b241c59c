#include "serving/bounded_executor.h"

#include <algorithm>
#include <utility>

#include "metrics/serving_metrics.h"

namespace dbs::serving {
namespace {

metrics::ShedReason ShedReasonOf(Refusal refusal) {
  switch (refusal) {
    case Refusal::kDeadline:
      return metrics::ShedReason::kDeadline;
    case Refusal::kShuttingDown:
      return metrics::ShedReason::kShuttingDown;
    case Refusal::kNone:
    case Refusal::kQueueFull:
      break;
  }
  return metrics::ShedReason::kQueueFull;
}

}  // namespace

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
  const Refusal refusal = Admit(std::move(task), deadline);
  if (refusal != Refusal::kNone && options_.metrics != nullptr) {
    options_.metrics->Shed(ShedReasonOf(refusal));
  }
  return refusal;
}

Refusal BoundedExecutor::Admit(absl::AnyInvocable<void() &&> task, absl::Time deadline) {
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
  PublishLocked();
  return Refusal::kNone;
}

void BoundedExecutor::PublishLocked() {
  // Set under the lock from the counts themselves, so the gauges never drift.
  if (options_.metrics == nullptr) return;
  options_.metrics->queue_depth().Set(static_cast<double>(queue_.size()));
  options_.metrics->in_flight().Set(busy_);
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
      PublishLocked();
    }
    const absl::Time started = absl::Now();
    std::move(task)();
    const absl::Duration ran = absl::Now() - started;
    absl::MutexLock lock(&mu_);
    --busy_;
    PublishLocked();
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
