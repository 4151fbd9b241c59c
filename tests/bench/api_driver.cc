#include "tests/bench/api_driver.h"

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/error_reason.h"

namespace dbs::bench {
namespace {

namespace v1 = ::instance::v1;

struct Caller {
  std::mt19937 random;
  LatencyRecorder latencies;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;
  std::string held_slot;  // pool id of this caller's last allocation not yet released
};

// The shared state of one run. Callbacks of one caller never overlap (closed
// loop), so each touches only its own Caller; `remaining` counts live callers.
class ClosedLoop {
 public:
  ClosedLoop(client::InstanceServiceConnection& connection, const RunSpec& spec,
             const PoolSet& pools, absl::Duration call_timeout)
      : connection_(connection),
        spec_(spec),
        pools_(pools),
        call_timeout_(call_timeout),
        start_(absl::Now() + spec.warmup),
        end_(start_ + spec.duration),
        callers_(spec.concurrency),
        remaining_(spec.concurrency) {
    for (int i = 0; i < spec.concurrency; ++i) callers_[i].random.seed(104729u * i + 17);
  }

  void RunToEnd() {
    for (Caller& caller : callers_) Send(caller);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* remaining) { return *remaining == 0; }, &remaining_));
  }

  std::vector<Caller>& callers() { return callers_; }

 private:
  template <typename Response>
  client::ResultCallback<Response> Done(Caller& caller, absl::Time started,
                                        std::function<void(const Response&)> on_ok = nullptr) {
    return [this, &caller, started, on_ok](absl::StatusOr<Response> result) {
      if (result.ok() && on_ok) on_ok(*result);
      Complete(caller, started, result.status());
    };
  }

  void Send(Caller& caller) {
    const Operation operation = spec_.workload == Workload::kMixed
                                    ? PickMixedOperation(caller.random(), !caller.held_slot.empty())
                                    : SingleOperation(spec_.workload);
    const absl::Time started = absl::Now();
    const absl::Time deadline = started + call_timeout_;
    const std::string& some_id = pools_.ids[caller.random() % pools_.ids.size()];
    switch (operation) {
      case Operation::kFind: {
        v1::FindAvailableDbServerRequest request;
        request.set_server_type(pools_.server_type);
        connection_.FindAvailableDbServer(request, deadline,
                                          Done<v1::FindAvailableDbServerResponse>(caller, started));
        return;
      }
      case Operation::kGet: {
        v1::GetDbServerRequest request;
        request.set_id(some_id);
        connection_.GetDbServer(request, deadline, Done<v1::GetDbServerResponse>(caller, started));
        return;
      }
      case Operation::kList: {
        v1::ListDbServersRequest request;
        request.set_page_size(50);
        connection_.ListDbServers(request, deadline,
                                  Done<v1::ListDbServersResponse>(caller, started));
        return;
      }
      case Operation::kIncrement: {
        v1::IncrementInstanceCountRequest request;
        request.set_id(some_id);
        connection_.IncrementInstanceCount(
            request, deadline, Done<v1::IncrementInstanceCountResponse>(caller, started));
        return;
      }
      case Operation::kAllocate: {
        v1::AllocateDbServerRequest request;
        request.set_server_type(pools_.server_type);
        connection_.AllocateDbServer(
            request, deadline,
            Done<v1::AllocateDbServerResponse>(
                caller, started, [&caller](const v1::AllocateDbServerResponse& response) {
                  caller.held_slot = response.db_server().id();
                }));
        return;
      }
      case Operation::kDecrement: {
        v1::DecrementInstanceCountRequest request;
        request.set_id(caller.held_slot);
        connection_.DecrementInstanceCount(
            request, deadline,
            Done<v1::DecrementInstanceCountResponse>(
                caller, started, [&caller](const v1::DecrementInstanceCountResponse&) {
                  caller.held_slot.clear();
                }));
        return;
      }
    }
  }

  void Complete(Caller& caller, absl::Time started, const absl::Status& status) {
    const absl::Time now = absl::Now();
    if (now >= start_ && now <= end_) {
      if (status.ok()) {
        ++caller.ok;
        caller.latencies.Record(now - started);
      } else {
        ++caller.errors[absl::StrCat(absl::StatusCodeToString(status.code()), " ",
                                     client::ReasonNameOf(status))];
      }
    }
    if (now < end_) {
      Send(caller);
      return;
    }
    absl::MutexLock lock(&mu_);
    --remaining_;
  }

  client::InstanceServiceConnection& connection_;
  const RunSpec& spec_;
  const PoolSet& pools_;
  const absl::Duration call_timeout_;
  const absl::Time start_;
  const absl::Time end_;
  std::vector<Caller> callers_;
  absl::Mutex mu_;
  int remaining_;
};

}  // namespace

RunResult ApiDriver::Run(const RunSpec& spec, const PoolSet& pools) const {
  ClosedLoop loop(*connection_, spec, pools, call_timeout_);
  loop.RunToEnd();

  RunResult result;
  result.driver = "api";
  result.workload = spec.workload;
  result.concurrency = spec.concurrency;
  result.table_pools = spec.table_pools;
  result.seconds = absl::ToDoubleSeconds(spec.duration);
  LatencyRecorder latencies;
  for (const Caller& caller : loop.callers()) {
    result.ok += caller.ok;
    for (const auto& [key, count] : caller.errors) result.errors[key] += count;
    latencies.Merge(caller.latencies);
  }
  result.SetLatencies(latencies);
  return result;
}

}  // namespace dbs::bench
