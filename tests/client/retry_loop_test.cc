// The client's retry loop over a scripted stub: which failures are retried, with
// which request_id, and within which bounds. No network.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/cord.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/instance_service_client.h"
#include "client/internal/connection_impl.h"
#include "client/internal/db_server_stub.h"
#include "google/rpc/error_details.pb.h"

namespace dbs::client {
namespace {

namespace v1 = ::instance::v1;

// Answers each attempt with the next scripted status (OK and an empty response
// once the script is used up) and records what each attempt carried.
class ScriptedStub : public internal::DbServerStub {
 public:
  struct Attempt {
    std::string rpc;
    std::string request_id;
    absl::Time deadline;
    absl::Time at;  // when the attempt reached the stub
  };

  explicit ScriptedStub(std::deque<absl::Status> script) : script_(std::move(script)) {}

  std::vector<Attempt> attempts() {
    absl::MutexLock lock(&mu_);
    return attempts_;
  }

#define DBS_SCRIPTED_STUB(Name)                                                             \
  void Name(std::shared_ptr<grpc::ClientContext> context, const v1::Name##Request& request, \
            ResultCallback<v1::Name##Response> done) override {                             \
    absl::Status next = Next(#Name, *context, request);                                     \
    if (next.ok()) {                                                                        \
      done(v1::Name##Response());                                                           \
    } else {                                                                                \
      done(std::move(next));                                                                \
    }                                                                                       \
  }
  DBS_FOR_EACH_DB_SERVER_RPC(DBS_SCRIPTED_STUB)
#undef DBS_SCRIPTED_STUB

 private:
  absl::Status Next(const std::string& rpc, const grpc::ClientContext& context,
                    const google::protobuf::Message& request) {
    const auto* field = request.GetDescriptor()->FindFieldByName("request_id");
    absl::MutexLock lock(&mu_);
    attempts_.push_back({rpc, field ? request.GetReflection()->GetString(request, field) : "",
                         absl::FromChrono(context.deadline()), absl::Now()});
    if (script_.empty()) return absl::OkStatus();
    absl::Status next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

  absl::Mutex mu_;
  std::deque<absl::Status> script_;
  std::vector<Attempt> attempts_;
};

struct Harness {
  explicit Harness(std::deque<absl::Status> script, RetryPolicy policy = FastPolicy(),
                   absl::Duration timeout = absl::Seconds(5))
      : stub(std::make_shared<ScriptedStub>(std::move(script))),
        client(std::make_shared<internal::InstanceServiceConnectionImpl>(stub, policy), timeout) {}

  static RetryPolicy FastPolicy() {
    RetryPolicy policy;
    policy.initial_backoff = absl::Milliseconds(1);
    policy.max_backoff = absl::Milliseconds(5);
    return policy;
  }

  std::shared_ptr<ScriptedStub> stub;
  InstanceServiceClient client;
};

std::deque<absl::Status> Unavailable(int n) {
  return std::deque<absl::Status>(n, absl::UnavailableError("connection reset"));
}

TEST_CASE("An UNAVAILABLE increment is retried with one request_id until it succeeds") {
  Harness harness(Unavailable(2));
  auto result = harness.client.IncrementInstanceCount("8c3a2b1d-0000-4000-8000-000000000001");
  REQUIRE(result.ok());
  const auto attempts = harness.stub->attempts();
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].request_id.size() == 36);
  CHECK(attempts[1].request_id == attempts[0].request_id);
  CHECK(attempts[2].request_id == attempts[0].request_id);
}

TEST_CASE("Each call gets its own request_id and a caller-supplied one is kept") {
  Harness harness({});
  REQUIRE(harness.client.DecrementInstanceCount("id").ok());
  REQUIRE(harness.client.DecrementInstanceCount("id").ok());
  v1::AllocateDbServerRequest own;
  own.set_server_type("postgres");
  own.set_request_id("11111111-2222-4333-8444-555555555555");
  REQUIRE(harness.client.AllocateDbServer(own).ok());
  const auto attempts = harness.stub->attempts();
  REQUIRE(attempts.size() == 3);
  CHECK(attempts[0].request_id != attempts[1].request_id);
  CHECK(attempts[2].request_id == own.request_id());
}

TEST_CASE("Every mutating RPC carries a request_id, UpdateDbServer included") {
  Harness harness({});
  v1::DbServer pool;
  REQUIRE(harness.client.CreateDbServer(pool).ok());
  google::protobuf::FieldMask mask;
  mask.add_paths("state");
  REQUIRE(harness.client.UpdateDbServer(pool, mask).ok());
  REQUIRE(harness.client.DeleteDbServer("id").ok());
  REQUIRE(harness.client.IncrementInstanceCount("id").ok());
  REQUIRE(harness.client.DecrementInstanceCount("id").ok());
  REQUIRE(harness.client.AllocateDbServer("postgres").ok());
  for (const auto& attempt : harness.stub->attempts()) {
    INFO(attempt.rpc);
    CHECK(attempt.request_id.size() == 36);
  }
}

TEST_CASE("An overloaded server's RetryInfo delay is the least wait before the retry") {
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_nanos(300'000'000);
  absl::Status overloaded = absl::UnavailableError("at its concurrency limit");
  overloaded.SetPayload("type.googleapis.com/google.rpc.RetryInfo",
                        absl::Cord(retry.SerializeAsString()));
  Harness harness({overloaded});  // the policy's own backoff is at most 5 ms
  REQUIRE(harness.client.GetDbServer("id").ok());
  const auto attempts = harness.stub->attempts();
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[1].at - attempts[0].at >= absl::Milliseconds(300));
}

TEST_CASE("Reads are retried on UNAVAILABLE too") {
  Harness harness(Unavailable(2));
  REQUIRE(harness.client.GetDbServer("id").ok());
  CHECK(harness.stub->attempts().size() == 3);
}

TEST_CASE("Nothing but UNAVAILABLE is retried") {
  for (const absl::Status& status :
       {absl::AbortedError("etag"), absl::FailedPreconditionError("full"),
        absl::DeadlineExceededError("late"), absl::ResourceExhaustedError("busy"),
        absl::InternalError("bug"), absl::InvalidArgumentError("bad")}) {
    Harness harness({status});
    const absl::Status result = harness.client.IncrementInstanceCount("id").status();
    CHECK(result == status);
    CHECK(harness.stub->attempts().size() == 1);
  }
}

TEST_CASE("Retries stop after max_attempts with the last UNAVAILABLE") {
  RetryPolicy policy = Harness::FastPolicy();
  policy.max_attempts = 3;
  Harness harness(Unavailable(10), policy);
  const absl::Status result = harness.client.IncrementInstanceCount("id").status();
  CHECK(result.code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(result.message()), Catch::Contains("gave up after 3 attempts"));
  CHECK(harness.stub->attempts().size() == 3);
}

TEST_CASE("Retries never wait past the call's deadline") {
  RetryPolicy policy;
  policy.max_attempts = 1000;
  policy.max_retry_time = absl::Minutes(1);
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Milliseconds(100);
  Harness harness(Unavailable(1000), policy, /*timeout=*/absl::Milliseconds(400));
  const absl::Time start = absl::Now();
  const absl::Status result = harness.client.GetDbServer("id").status();
  const absl::Duration elapsed = absl::Now() - start;
  CHECK(result.code() == absl::StatusCode::kUnavailable);
  // At the deadline, give or take the scheduler: slow builds (TSan) and loaded
  // machines wake the loop a little late. A wait past the deadline would be a
  // whole backoff (100 ms) late.
  CHECK(elapsed < absl::Milliseconds(400) + absl::Milliseconds(50));
  const auto attempts = harness.stub->attempts();
  CHECK(attempts.size() >= 3);
  CHECK(attempts.size() <= 9);
  for (const auto& attempt : attempts) CHECK(attempt.deadline == attempts[0].deadline);
  CHECK(attempts[0].deadline - start < absl::Milliseconds(420));
}

TEST_CASE("No retry starts with less than min_attempt_time of the deadline left") {
  RetryPolicy policy;
  policy.max_attempts = 1000;
  policy.initial_backoff = absl::Milliseconds(10);
  policy.max_backoff = absl::Milliseconds(10);
  policy.min_attempt_time = absl::Milliseconds(150);
  Harness harness(Unavailable(1000), policy, /*timeout=*/absl::Milliseconds(400));
  const absl::Status result = harness.client.GetDbServer("id").status();
  // The last UNAVAILABLE (nothing done), not a last attempt cut off by the deadline.
  CHECK(result.code() == absl::StatusCode::kUnavailable);
  const auto attempts = harness.stub->attempts();
  REQUIRE(attempts.size() >= 2);
  // Each had 150 ms left when it was scheduled; 50 ms of slack for an alarm that
  // fires late on a loaded machine. Without the rule the last one would start
  // with at most one backoff (10 ms) left.
  for (const auto& attempt : attempts) {
    CHECK(attempt.deadline - attempt.at >= absl::Milliseconds(100));
  }
}

TEST_CASE("Retries stop once max_retry_time has passed") {
  RetryPolicy policy;
  policy.max_attempts = 1000;
  policy.max_retry_time = absl::Milliseconds(200);
  policy.initial_backoff = absl::Milliseconds(20);
  policy.max_backoff = absl::Milliseconds(20);
  Harness harness(Unavailable(1000), policy, /*timeout=*/absl::Seconds(10));
  const absl::Time start = absl::Now();
  const absl::Status result = harness.client.GetDbServer("id").status();
  CHECK(result.code() == absl::StatusCode::kUnavailable);
  // Near max_retry_time (200 ms), far from the 10 s deadline. The bound leaves room
  // for a TSan build on a loaded machine, which once took 313 ms here.
  CHECK(absl::Now() - start < absl::Seconds(2));
}

TEST_CASE("max_attempts = 1 disables retries") {
  RetryPolicy policy = Harness::FastPolicy();
  policy.max_attempts = 1;
  Harness harness(Unavailable(1), policy);
  CHECK(harness.client.GetDbServer("id").status().code() == absl::StatusCode::kUnavailable);
  CHECK(harness.stub->attempts().size() == 1);
}

TEST_CASE("A per-call timeout overrides the default deadline") {
  Harness harness({}, Harness::FastPolicy(), /*timeout=*/absl::Seconds(30));
  const absl::Time start = absl::Now();
  CallOptions call;
  call.timeout = absl::Milliseconds(250);
  REQUIRE(harness.client.GetDbServer("id", call).ok());
  REQUIRE(harness.client.GetDbServer("id").ok());
  const auto attempts = harness.stub->attempts();
  CHECK(attempts[0].deadline - start <= absl::Milliseconds(260));
  CHECK(attempts[1].deadline - start >= absl::Seconds(29));
}

}  // namespace
}  // namespace dbs::client
