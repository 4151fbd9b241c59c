#ifndef SERVING_BOUNDED_EXECUTOR_H_
#define SERVING_BOUNDED_EXECUTOR_H_

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace dbs::metrics {
class ServingMetrics;
}  // namespace dbs::metrics

namespace dbs::serving {

struct BoundedExecutorOptions {
  // Worker threads: how many calls do blocking work (libpq, CREATE DATABASE) at
  // once. Size it to what the work waits on: instance-service's database pool,
  // database-service's tolerance for slow pool servers.
  int threads = 16;
  // Calls waiting for a worker beyond those running. More are refused at once.
  int max_queue = 1024;
  // dbs_serving_queue_depth, dbs_serving_in_flight (busy workers) and
  // dbs_serving_shed_total{reason} (every refusal); null: none. Not owned.
  metrics::ServingMetrics* metrics = nullptr;
};

// Why the executor refused a task without running it.
enum class Refusal {
  kNone,          // accepted
  kQueueFull,     // max_queue tasks already wait
  kDeadline,      // at the current pace it would start after its deadline
  kShuttingDown,  // Shutdown() has begun
};
const char* RefusalName(Refusal refusal);  // "queue_full", "deadline", "shutting_down"

// A fixed pool of worker threads fed by a bounded FIFO queue: the part of the
// serving core that owns blocking work, so gRPC's own threads never block on it.
//
// Admission is decided when a task arrives, never by queueing without limit: it is
// refused when the queue is full, and when the queue is long enough that the task
// would, at the pace recent tasks ran, start only after its deadline (a caller that
// would time out anyway gets a fast refusal it can retry elsewhere). A refused task
// is destroyed unrun; the caller answers its call (UNAVAILABLE SERVER_OVERLOADED).
//
// Thread-safe. Shutdown() (or the destructor) runs what is queued, then joins.
class BoundedExecutor {
 public:
  explicit BoundedExecutor(BoundedExecutorOptions options);
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task` to run on a worker, or says why not (then `task` is dropped).
  Refusal TrySubmit(absl::AnyInvocable<void() &&> task, absl::Time deadline);

  // Stops admitting tasks, lets the workers finish every queued one, joins them.
  // Idempotent.
  void Shutdown();

  // Snapshots, for metrics and tests.
  int queue_depth() const;
  int busy_workers() const;
  int threads() const { return static_cast<int>(workers_.size()); }

 private:
  Refusal Admit(absl::AnyInvocable<void() &&> task, absl::Time deadline);
  void Work();
  // Publishes queue depth and busy workers to options_.metrics.
  void PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const BoundedExecutorOptions options_;
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Moving average of how long a task runs, for the deadline estimate.
  absl::Duration average_run_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  std::vector<std::thread> workers_;
};

}  // namespace dbs::serving

#endif  // SERVING_BOUNDED_EXECUTOR_H_
