#ifndef TESTS_FAULT_DRILL_SUPPORT_H_
#define TESTS_FAULT_DRILL_SUPPORT_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/instance_service_client.h"
#include "tests/support/service_process.h"

// What the fault drills share: a PostgreSQL cluster of their own (so stopping it
// disturbs no other test), instance-service processes, a pool to allocate from, and
// callers that record every outcome with its request id and duration.
namespace dbs::testing {

// A pg-cluster (deploy/local/pg-cluster) private to one drill, removed at the end.
class PrivateCluster {
 public:
  PrivateCluster();
  ~PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  // A new database on it; its libpq connection string.
  std::string CreateDatabase(const std::string& name);
  // Stops the server (fast shutdown: sessions are ended) and starts it again on the
  // same port with the same data.
  void Halt();
  void Resume();

 private:
  std::string state_dir_;
  std::string admin_;
};

// instance-service on `database_url`, ready, with readiness checked every 200 ms.
ServiceProcess StartInstanceService(const std::string& database_url);

// `callers` threads calling AllocateDbServer in a loop, each call with a fresh
// request_id and `timeout`, recording each outcome until Stop().
class AllocatingCallers {
 public:
  AllocatingCallers(client::InstanceServiceClient client, int callers, absl::Duration timeout);
  ~AllocatingCallers();  // Stop()

  void Stop();
  // Waits until `predicate` holds (checked on each new outcome), or `limit` passes;
  // whether it held.
  bool WaitFor(const std::function<bool(const AllocatingCallers&)>& predicate,
               absl::Duration limit);

  // Outcomes so far, by "CODE" (e.g. "OK", "UNAVAILABLE"); calls ended after `since`.
  int Count(const std::string& code, absl::Time since = absl::InfinitePast()) const;
  int Total() const;
  // The request ids of calls that ended neither OK nor with a known refusal: their
  // outcome is unknown, to be settled by replaying the request id.
  std::vector<std::string> Unknown() const;
  // The longest a call ran past its deadline (negative: all ended before it).
  absl::Duration WorstOverrun() const;

 private:
  void Loop();

  client::InstanceServiceClient client_;
  absl::Duration timeout_;
  std::atomic<bool> stopping_{false};
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, absl::Time>> outcomes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> unknown_ ABSL_GUARDED_BY(mu_);
  absl::Duration worst_overrun_ ABSL_GUARDED_BY(mu_) = -absl::InfiniteDuration();
  std::vector<std::thread> threads_;
};

// Replays every request id of `unknown` (AllocateDbServer with the same id): each
// either returns the answer it was first given or allocates now, once. Fails the
// test when a replay fails.
void SettleByReplay(const client::InstanceServiceClient& client,
                    const std::vector<std::string>& unknown);

}  // namespace dbs::testing

#endif  // TESTS_FAULT_DRILL_SUPPORT_H_
