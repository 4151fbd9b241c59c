#ifndef DATABASE_SERVICE_MONITORING_POOL_MONITOR_H_
#define DATABASE_SERVICE_MONITORING_POOL_MONITOR_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/instance_service_client.h"
#include "database_service/pool_admin/pool_admin.h"
#include "instance/v1/db_servers.pb.h"
#include "metrics/pool_probe_metrics.h"

namespace dbs::database_service {

struct PoolMonitorOptions {
  // At most this many pools are probed (and written) at once.
  int parallelism = 8;
  // A verdict that did not change is still written once it is this old, so
  // `last_health_check_time` shows monitoring is alive.
  absl::Duration heartbeat = absl::Seconds(60);
  // A probe that succeeds but takes longer than this is HEALTH_DEGRADED.
  absl::Duration degraded_latency = absl::Milliseconds(500);
  // Deadline of each call to instance-service (list pages and writes).
  absl::Duration call_timeout = absl::Seconds(5);
  // The clock; tests replace it.
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

// The outcome of probing one pool in a pass.
struct PoolProbeOutcome {
  std::string pool_id;
  std::string display_name;
  instance::v1::DbServer::Health health = instance::v1::DbServer::HEALTH_UNSPECIFIED;
  std::string message;
  absl::Duration latency;  // zero when the probe failed
  bool written = false;
  std::string write_error;  // why the write failed; empty otherwise
};

struct MonitoringPassReport {
  std::vector<PoolProbeOutcome> probes;  // in display_name order
  int updates_written = 0;
};

// The plan's monitoring.py on the client: one pass lists every pool through the
// paginated ListAllDbServers, probes each one (PoolAdmin::Probe: connect with a
// timeout, `SELECT 1`, latency) on up to `parallelism` threads, and writes
// `health`, `health_message` and `last_health_check_time` with an update mask
// only when the verdict differs from the stored one or the stored check is older
// than `heartbeat`.
//
// Pools in STATE_PROVISIONING are skipped: provisioning owns them. Each probe is
// bounded by the PoolAdmin's probe timeout and each write by `call_timeout`, so
// one slow or dead pool delays only its own thread, never the others' verdicts.
// A write that fails is reported and retried by the next pass.
//
// Every probe is recorded in `probe_metrics` when given (dbs_pool_probe_total by
// pool display_name and verdict, dbs_pool_probe_seconds with the probe's duration,
// failed probes included).
//
// Thread-safe: passes never overlap; a second caller waits for the running pass
// to finish and then runs its own.
class PoolMonitor {
 public:
  PoolMonitor(client::InstanceServiceClient client, std::shared_ptr<PoolAdmin> pool_admin,
              PoolMonitorOptions options = {},
              std::shared_ptr<metrics::PoolProbeMetrics> probe_metrics = nullptr);

  // Runs one pass. Errors: those of ListAllDbServers (the pass then probes
  // nothing); a failing probe or write is part of the report, not an error.
  // `deadline` (the caller's, for RunMonitoringPass) bounds every instance-service
  // call and probe together with the options' own timeouts.
  absl::StatusOr<MonitoringPassReport> RunPass(absl::Time deadline = absl::InfiniteFuture());

  // The verdict for a probe result: HEALTHY, DEGRADED when slower than
  // `degraded_latency`, UNHEALTHY on error; and its message.
  static PoolProbeOutcome Judge(const absl::StatusOr<absl::Duration>& probe,
                                absl::Duration degraded_latency);

  // Whether `verdict` must be written over `stored`: the health differs, or the
  // stored check is missing or at least `heartbeat` older than `now`.
  static bool WriteDue(const instance::v1::DbServer& stored, instance::v1::DbServer::Health verdict,
                       absl::Time now, absl::Duration heartbeat);

 private:
  PoolProbeOutcome ProbeAndRecord(const instance::v1::DbServer& pool, absl::Time deadline);

  client::InstanceServiceClient client_;
  std::shared_ptr<PoolAdmin> pool_admin_;
  const PoolMonitorOptions options_;
  const std::shared_ptr<metrics::PoolProbeMetrics> probe_metrics_;
  std::mutex pass_mutex_;  // one pass at a time
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_MONITORING_POOL_MONITOR_H_
