#include "database_service/monitoring/monitoring_loop.h"

#include <algorithm>

#include "absl/random/random.h"
#include "glog/logging.h"

namespace dbs::database_service {

absl::Duration MonitoringLoop::NextWait(const MonitoringLoopOptions& options) {
  thread_local absl::BitGen random;
  const double jitter = std::clamp(options.jitter, 0.0, 1.0);
  return options.interval * absl::Uniform(random, 1.0 - jitter, 1.0 + jitter);
}

void MonitoringLoop::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void MonitoringLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int MonitoringLoop::passes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return passes_;
}

void MonitoringLoop::Run() {
  for (;;) {
    const absl::Time started = absl::Now();
    auto report = monitor_.RunPass();
    if (!report.ok()) {
      LOG(WARNING) << "monitoring pass failed: " << report.status();
    } else {
      VLOG(1) << "monitoring pass: " << report->probes.size() << " pools probed, "
              << report->updates_written << " written";
    }
    const absl::Time next = started + NextWait(options_);
    std::unique_lock<std::mutex> lock(mutex_);
    ++passes_;
    if (wake_.wait_until(lock, absl::ToChronoTime(next), [this] { return stopping_; })) return;
  }
}

}  // namespace dbs::database_service
