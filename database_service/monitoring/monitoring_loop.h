#ifndef DATABASE_SERVICE_MONITORING_MONITORING_LOOP_H_
#define DATABASE_SERVICE_MONITORING_MONITORING_LOOP_H_

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "database_service/monitoring/pool_monitor.h"

namespace dbs::database_service {

struct MonitoringLoopOptions {
  // Time between the start of one pass and the next; must be positive.
  absl::Duration interval = absl::Seconds(30);
  // Each wait is drawn uniformly from interval * [1 - jitter, 1 + jitter], so N
  // replicas do not probe every pool in lock-step. 0 to 1.
  double jitter = 0.1;
};

// Runs PoolMonitor::RunPass() on a background thread, once right after Start()
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
  void Run();

  PoolMonitor& monitor_;
  const MonitoringLoopOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int passes_ = 0;
  std::thread thread_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_MONITORING_MONITORING_LOOP_H_
