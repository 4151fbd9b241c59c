#include "database_service/monitoring/pool_monitor.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "database_service/monitoring/health_update.h"
#include "glog/logging.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// The verdict as the metrics name it, the stored health value: "HEALTHY", ...
std::string HealthLabel(DbServer::Health health) {
  return std::string(absl::StripPrefix(DbServer::Health_Name(health), "HEALTH_"));
}

}  // namespace

PoolMonitor::PoolMonitor(client::InstanceServiceClient client,
                         std::shared_ptr<PoolAdmin> pool_admin, PoolMonitorOptions options,
                         std::shared_ptr<metrics::PoolProbeMetrics> probe_metrics)
    : client_(std::move(client)),
      pool_admin_(std::move(pool_admin)),
      options_(std::move(options)),
      probe_metrics_(std::move(probe_metrics)) {}

PoolProbeOutcome PoolMonitor::Judge(const absl::StatusOr<absl::Duration>& probe,
                                    absl::Duration degraded_latency) {
  PoolProbeOutcome outcome;
  if (!probe.ok()) {
    outcome.health = DbServer::HEALTH_UNHEALTHY;
    outcome.message =
        absl::StrCat("probe failed: ", absl::StatusCodeToString(probe.status().code()), ": ",
                     probe.status().message());
    return outcome;
  }
  outcome.latency = *probe;
  const std::string latency = absl::FormatDuration(absl::Trunc(*probe, absl::Microseconds(100)));
  if (*probe > degraded_latency) {
    outcome.health = DbServer::HEALTH_DEGRADED;
    outcome.message = absl::StrCat("SELECT 1 answered in ", latency, ", slower than ",
                                   absl::FormatDuration(degraded_latency));
  } else {
    outcome.health = DbServer::HEALTH_HEALTHY;
    outcome.message = absl::StrCat("SELECT 1 answered in ", latency);
  }
  return outcome;
}

bool PoolMonitor::WriteDue(const DbServer& stored, DbServer::Health verdict, absl::Time now,
                           absl::Duration heartbeat) {
  if (stored.health() != verdict) return true;
  if (!stored.has_last_health_check_time()) return true;
  return now - ToTime(stored.last_health_check_time()) >= heartbeat;
}

PoolProbeOutcome PoolMonitor::ProbeAndRecord(const DbServer& pool, absl::Time deadline) {
  const absl::Time probe_start = absl::Now();
  const absl::StatusOr<absl::Duration> probe =
      pool_admin_->Probe({pool.host(), pool.port()}, deadline);
  PoolProbeOutcome outcome = Judge(probe, options_.degraded_latency);
  if (probe_metrics_) {
    probe_metrics_->Probed(pool.display_name(), HealthLabel(outcome.health),
                           absl::Now() - probe_start);
  }
  outcome.pool_id = pool.id();
  outcome.display_name = pool.display_name();
  const absl::Time now = options_.now();
  if (!WriteDue(pool, outcome.health, now, options_.heartbeat)) return outcome;

  DbServer change;
  change.set_id(pool.id());
  google::protobuf::FieldMask mask;
  SetHealth(change, mask, outcome.health, outcome.message, now);
  client::CallOptions call = client::CallOptions::Until(deadline);
  call.timeout = options_.call_timeout;
  auto updated = client_.UpdateDbServer(change, mask, call);
  if (updated.ok()) {
    outcome.written = true;
    if (pool.health() != outcome.health) {
      LOG(INFO) << "pool " << pool.display_name() << " is now "
                << DbServer::Health_Name(outcome.health) << ": " << outcome.message;
    }
  } else {
    outcome.write_error = updated.status().ToString();
    LOG(WARNING) << "pool " << pool.display_name()
                 << ": writing health failed: " << updated.status();
  }
  return outcome;
}

absl::StatusOr<MonitoringPassReport> PoolMonitor::RunPass(absl::Time deadline) {
  std::lock_guard<std::mutex> one_pass(pass_mutex_);
  client::CallOptions call = client::CallOptions::Until(deadline);
  call.timeout = options_.call_timeout;
  auto listed = client_.ListAllDbServers("", 0, call);
  if (!listed.ok()) return listed.status();
  std::vector<DbServer> pools;
  for (DbServer& pool : *listed) {
    if (pool.state() != DbServer::STATE_PROVISIONING) pools.push_back(std::move(pool));
  }

  MonitoringPassReport report;
  report.probes.resize(pools.size());
  // Workers take the next unprobed pool until none is left: a slow pool holds
  // one worker, the others move on.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < pools.size(); i = next++) {
      report.probes[i] = ProbeAndRecord(pools[i], deadline);
    }
  };
  const size_t worker_count =
      std::min(pools.size(), static_cast<size_t>(std::max(1, options_.parallelism)));
  std::vector<std::thread> workers;
  workers.reserve(worker_count);
  for (size_t i = 0; i < worker_count; ++i) workers.emplace_back(work);
  for (std::thread& worker : workers) worker.join();

  for (const PoolProbeOutcome& probe : report.probes) report.updates_written += probe.written;
  return report;
}

}  // namespace dbs::database_service
