// Drill: a network partition between the client and instance-service (a TCP proxy
// that stops forwarding without resetting anything). Calls end at their deadline,
// not later; when the partition heals, the same client's channel carries calls
// again without being rebuilt.
#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/client/real_instance_service.h"
#include "tests/client/tcp_proxy.h"
#include "tests/fault/drill_support.h"
#include "tests/support/client_pools.h"

namespace {

namespace v1 = ::instance::v1;

constexpr absl::Duration kCallTimeout = absl::Milliseconds(300);

// Readers calling GetDbServer in a loop, recording when each call ended, how, and
// how long after its deadline.
class Readers {
 public:
  Readers(dbs::client::InstanceServiceClient client, std::string id, int count)
      : client_(std::move(client)), id_(std::move(id)) {
    for (int i = 0; i < count; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~Readers() { Stop(); }
  void Stop() {
    stopping_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int Count(absl::StatusCode code, absl::Time since) {
    absl::MutexLock lock(&mu_);
    int count = 0;
    for (const auto& [outcome, at] : outcomes_) count += outcome == code && at > since;
    return count;
  }
  int Total(absl::Time since) {
    absl::MutexLock lock(&mu_);
    int count = 0;
    for (const auto& [outcome, at] : outcomes_) count += at > since;
    return count;
  }
  absl::Duration WorstOverrun() {
    absl::MutexLock lock(&mu_);
    return worst_overrun_;
  }

 private:
  void Loop() {
    while (!stopping_) {
      dbs::client::CallOptions call;
      call.timeout = kCallTimeout;
      const absl::Time started = absl::Now();
      const absl::Status status = client_.GetDbServer(id_, call).status();
      absl::MutexLock lock(&mu_);
      outcomes_.emplace_back(status.code(), absl::Now());
      worst_overrun_ = std::max(worst_overrun_, absl::Now() - started - kCallTimeout);
    }
  }

  dbs::client::InstanceServiceClient client_;
  std::string id_;
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  std::vector<std::pair<absl::StatusCode, absl::Time>> outcomes_;
  absl::Duration worst_overrun_ = -absl::InfiniteDuration();
  std::vector<std::thread> threads_;
};

// Waits until `predicate` holds or `limit` passes.
template <typename Predicate>
bool Eventually(Predicate predicate, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  absl::Mutex mu;
  absl::MutexLock lock(&mu);
  while (!predicate()) {
    if (absl::Now() >= deadline) return false;
    // Nothing signals this condition: AwaitWithTimeout is a bounded re-check pace.
    mu.AwaitWithTimeout(absl::Condition(
                            +[](int*) { return false; }, static_cast<int*>(nullptr)),
                        absl::Milliseconds(20));
  }
  return true;
}

}  // namespace

TEST_CASE("A partition: calls end at their deadline, and the channel recovers on heal") {
  dbs::client::RealInstanceService server;
  int port = 0;
  REQUIRE(absl::SimpleAtoi(server.address().substr(server.address().rfind(':') + 1), &port));
  dbs::client::TcpProxy proxy(port);
  dbs::client::ClientOptions options = server.Options();
  options.target = absl::StrCat("127.0.0.1:", proxy.port());
  const auto client = dbs::client::MakeInstanceServiceClient(options);
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pool", 10);

  Readers readers(client, pool.id(), 8);
  const absl::Time before = absl::Now();
  REQUIRE(Eventually([&] { return readers.Count(absl::StatusCode::kOk, before) >= 50; },
                     absl::Seconds(10)));

  proxy.Partition();
  const absl::Time cut = absl::Now();
  // Every reader hits the partition at least twice, each call ending at its deadline.
  REQUIRE(Eventually([&] { return readers.Count(absl::StatusCode::kDeadlineExceeded, cut) >= 16; },
                     absl::Seconds(10)));
  CHECK(readers.Count(absl::StatusCode::kOk, cut + absl::Milliseconds(50)) == 0);

  proxy.Heal();
  const absl::Time healed = absl::Now();
  CHECK(Eventually([&] { return readers.Count(absl::StatusCode::kOk, healed) >= 50; },
                   absl::Seconds(10)));
  const absl::Duration recovery = absl::Now() - healed;
  readers.Stop();
  INFO("recovered within " << recovery);
  CHECK(readers.WorstOverrun() <= absl::Milliseconds(200));
  // Only OK or DEADLINE_EXCEEDED: a partition is not an error of the server.
  CHECK(readers.Count(absl::StatusCode::kOk, before) +
            readers.Count(absl::StatusCode::kDeadlineExceeded, before) ==
        readers.Total(before));
}
