// A server that is not there: calls fail with UNAVAILABLE after bounded retries,
// within their deadline, and never hang. Loopback only; no database.
#include <iostream>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/instance_service_client.h"
#include "tests/support/free_port.h"

namespace dbs::client {
namespace {

constexpr char kPoolId[] = "6b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

struct AttemptCounter {
  std::shared_ptr<absl::Mutex> mu = std::make_shared<absl::Mutex>();
  std::shared_ptr<int> attempts = std::make_shared<int>(0);
  std::function<void(const std::string&)> Logger() const {
    return [mu = mu, attempts = attempts](const std::string&) {
      absl::MutexLock lock(mu.get());
      ++*attempts;
    };
  }
  int count() const {
    absl::MutexLock lock(mu.get());
    return *attempts;
  }
};

TEST_CASE("A call to a dead address fails with UNAVAILABLE after bounded retries, in time") {
  AttemptCounter counter;
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", dbs::testing::PickFreeLoopbackPort());
  options.default_timeout = absl::Seconds(3);
  options.call_logger = counter.Logger();
  auto client = MakeInstanceServiceClient(options);

  const absl::Time start = absl::Now();
  const absl::Status status = client.IncrementInstanceCount(kPoolId).status();
  const absl::Duration elapsed = absl::Now() - start;

  std::cout << "dead address " << options.target << ": " << status << " after "
            << absl::FormatDuration(elapsed) << " and " << counter.count() << " attempts\n";
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(counter.count() == options.retry.max_attempts);
  CHECK(elapsed < options.default_timeout);
}

TEST_CASE("A short deadline on a dead address ends the retries before the deadline") {
  AttemptCounter counter;
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", dbs::testing::PickFreeLoopbackPort());
  options.call_logger = counter.Logger();
  auto client = MakeInstanceServiceClient(options);

  CallOptions call;
  call.timeout = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  const absl::Status status = client.GetDbServer(kPoolId, call).status();
  const absl::Duration elapsed = absl::Now() - start;

  std::cout << "dead address, 300ms deadline: " << status << " after "
            << absl::FormatDuration(elapsed) << " and " << counter.count() << " attempts\n";
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(counter.count() >= 2);
  CHECK(elapsed < absl::Milliseconds(300));
}

TEST_CASE("Non-blocking calls to a dead address all complete with UNAVAILABLE") {
  ClientOptions options;
  options.target = absl::StrCat("127.0.0.1:", dbs::testing::PickFreeLoopbackPort());
  options.default_timeout = absl::Seconds(2);
  auto client = MakeInstanceServiceClient(options);
  std::vector<std::future<absl::StatusOr<instance::v1::DbServer>>> calls;
  for (int i = 0; i < 20; ++i) calls.push_back(client.AsyncGetDbServer(kPoolId));
  const absl::Time give_up = absl::Now() + absl::Seconds(3);
  for (auto& call : calls) {
    REQUIRE(call.wait_until(absl::ToChronoTime(give_up)) == std::future_status::ready);
    CHECK(call.get().status().code() == absl::StatusCode::kUnavailable);
  }
}

}  // namespace
}  // namespace dbs::client
