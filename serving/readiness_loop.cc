#include "serving/readiness_loop.h"

#include <utility>

#include "glog/logging.h"

namespace dbs::serving {

ReadinessLoop::ReadinessLoop(GrpcHost* host, std::string service, std::function<bool()> probe,
                             absl::Duration interval)
    : host_(host), service_(std::move(service)), probe_(std::move(probe)), interval_(interval) {
  CheckOnce();
  task_.emplace([this] { CheckOnce(); }, interval_);
}

ReadinessLoop::~ReadinessLoop() { task_.reset(); }

void ReadinessLoop::CheckOnce() {
  const bool ready = probe_();
  if (first_ || ready != last_) {
    if (ready) {
      LOG(INFO) << service_ << ": ready (SERVING)";
    } else {
      LOG(WARNING) << service_ << ": not ready (NOT_SERVING)";
    }
  }
  first_ = false;
  last_ = ready;
  host_->SetServing(service_, ready);
}

}  // namespace dbs::serving
