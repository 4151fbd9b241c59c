#ifndef DATABASE_SERVICE_MONITORING_MONITORING_LOOP_H_
#define DATABASE_SERVICE_MONITORING_MONITORING_LOOP_H_

#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "database_service/monitoring/pool_monitor.h"
#include "serving/periodic_task.h"

namespace dbs::database_service {

// As in serving::PeriodicTaskOptions; jitter keeps N replicas from probing every pool
// in lock-step.
struct MonitoringLoopOptions {
  absl::Duration interval = absl::Seconds(30);  // from the start of one pass to the next
  double jitter = 0.1;
};

// Runs PoolMonitor::RunPass() on a serving::PeriodicTask, once right after Start()
// and then every interval (with jitter). A failed pass is logged and the loop
// carries on.
//
// Thread-safe. The destructor stops the loop and waits for a running pass.
class MonitoringLoop {
 public:
  MonitoringLoop(PoolMonitor& monitor, MonitoringLoopOptions options)
      : monitor_(monitor), options_(options) {}
  ~MonitoringLoop() { Stop(); }
  MonitoringLoop(const MonitoringLoop&) = delete;
  MonitoringLoop& operator=(const MonitoringLoop&) = delete;

  void Start();
  // Wakes the loop, lets a running pass finish, and joins it. Idempotent.
  void Stop();

  // How many passes have finished, successful or not.
  int passes() const;

  // The next wait, drawn from the jitter window.
  static absl::Duration NextWait(const MonitoringLoopOptions& options);

 private:
  static serving::PeriodicTaskOptions TaskOptions(const MonitoringLoopOptions& options);
  void RunPass();

  PoolMonitor& monitor_;
  const MonitoringLoopOptions options_;
  mutable absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  // Set once, by the first Start(); never again once stopping_ is.
  std::optional<serving::PeriodicTask> task_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_MONITORING_MONITORING_LOOP_H_
