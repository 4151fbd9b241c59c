#ifndef SERVING_READINESS_LOOP_H_
#define SERVING_READINESS_LOOP_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "serving/grpc_host.h"
#include "serving/periodic_task.h"

namespace dbs::serving {

// Readiness as Kubernetes means it: every `interval` a background thread runs
// `probe` (e.g. "can I reach my database within a second?") and publishes the
// answer as the health of `service` on `host`, so an outage takes the pod out of
// rotation without restarting it, and recovery puts it back. Liveness ("") is not
// touched. The probe runs once before the constructor returns, so the first
// health answer is already real. Transitions are logged once each.
//
// The destructor stops the thread (waiting for a running probe); destroy the loop
// before the host.
class ReadinessLoop {
 public:
  ReadinessLoop(GrpcHost* host, std::string service, std::function<bool()> probe,
                absl::Duration interval);
  ~ReadinessLoop();
  ReadinessLoop(const ReadinessLoop&) = delete;
  ReadinessLoop& operator=(const ReadinessLoop&) = delete;

 private:
  void CheckOnce();

  GrpcHost* host_;
  std::string service_;
  std::function<bool()> probe_;
  absl::Duration interval_;
  bool last_ = true;
  bool first_ = true;
  std::optional<PeriodicTask> task_;  // last member: stops before the rest goes
};

}  // namespace dbs::serving

#endif  // SERVING_READINESS_LOOP_H_
