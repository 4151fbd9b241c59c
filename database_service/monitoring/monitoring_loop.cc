#include "database_service/monitoring/monitoring_loop.h"

#include "glog/logging.h"

namespace dbs::database_service {

serving::PeriodicTaskOptions MonitoringLoop::TaskOptions(const MonitoringLoopOptions& options) {
  serving::PeriodicTaskOptions task;
  task.interval = options.interval;
  task.jitter = options.jitter;
  task.run_at_start = true;
  task.wait_from_run_start = true;
  return task;
}

absl::Duration MonitoringLoop::NextWait(const MonitoringLoopOptions& options) {
  return serving::PeriodicTask::NextWait(TaskOptions(options));
}

void MonitoringLoop::Start() {
  absl::MutexLock lock(&mutex_);
  if (task_ || stopping_) return;
  task_.emplace([this] { RunPass(); }, TaskOptions(options_));
}

void MonitoringLoop::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  // Outside the lock, so passes() answers while a pass finishes; task_ no longer
  // changes once stopping_ is set.
  if (task_) task_->Stop();
}

int MonitoringLoop::passes() const {
  absl::MutexLock lock(&mutex_);
  return task_ ? task_->runs() : 0;
}

void MonitoringLoop::RunPass() {
  auto report = monitor_.RunPass();
  if (!report.ok()) {
    LOG(WARNING) << "monitoring pass failed: " << report.status();
  } else {
    VLOG(1) << "monitoring pass: " << report->probes.size() << " pools probed, "
            << report->updates_written << " written";
  }
}

}  // namespace dbs::database_service
