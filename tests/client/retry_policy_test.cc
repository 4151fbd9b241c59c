// The retry policy's arithmetic and request ids: pure functions, no network.
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "client/error_reason.h"
#include "client/internal/connection_impl.h"
#include "client/internal/request_id.h"
#include "client/internal/retry_loop.h"
#include "client/retry_policy.h"

namespace dbs::client {
namespace {

namespace v1 = ::instance::v1;

TEST_CASE("Only UNAVAILABLE is retryable") {
  CHECK(IsRetryable(absl::UnavailableError("down")));
  for (const absl::Status& status :
       {absl::OkStatus(), absl::AbortedError("etag"), absl::DeadlineExceededError("late"),
        absl::FailedPreconditionError("full"), absl::ResourceExhaustedError("busy"),
        absl::InternalError("bug"), absl::UnknownError("?")}) {
    CHECK_FALSE(IsRetryable(status));
  }
}

TEST_CASE("The backoff bound grows by the multiplier and is capped at max_backoff") {
  RetryPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Seconds(1);
  policy.backoff_multiplier = 2.0;
  CHECK(BackoffBound(policy, 1) == absl::Milliseconds(100));
  CHECK(BackoffBound(policy, 2) == absl::Milliseconds(200));
  CHECK(BackoffBound(policy, 4) == absl::Milliseconds(800));
  CHECK(BackoffBound(policy, 5) == absl::Seconds(1));
  CHECK(BackoffBound(policy, 60) == absl::Seconds(1));
}

TEST_CASE("A jittered wait lies in [bound/2, bound] and varies") {
  RetryPolicy policy;
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const absl::Duration wait = internal::JitteredBackoff(policy, 3);
    const absl::Duration bound = BackoffBound(policy, 3);
    REQUIRE(wait >= bound / 2);
    REQUIRE(wait <= bound);
    seen.insert(absl::ToInt64Microseconds(wait));
  }
  CHECK(seen.size() > 100);
}

TEST_CASE("Request ids are distinct lowercase version 4 UUIDs") {
  const std::regex uuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = internal::NewRequestId();
    REQUIRE(std::regex_match(id, uuid4));
    ids.insert(id);
  }
  CHECK(ids.size() == 1000);
}

TEST_CASE("Each RPC's idempotency policy is explicit: writes with a request_id, reads as is") {
  using internal::DbServerRpcPolicy;
  using internal::Idempotency;
  STATIC_REQUIRE(DbServerRpcPolicy<v1::GetDbServerRequest>::kIdempotency ==
                 Idempotency::kIdempotent);
  STATIC_REQUIRE(DbServerRpcPolicy<v1::ListDbServersRequest>::kIdempotency ==
                 Idempotency::kIdempotent);
  STATIC_REQUIRE(DbServerRpcPolicy<v1::FindAvailableDbServerRequest>::kIdempotency ==
                 Idempotency::kIdempotent);
  STATIC_REQUIRE(DbServerRpcPolicy<v1::AllocateDbServerRequest>::kIdempotency ==
                 Idempotency::kIdempotentWithRequestId);
  STATIC_REQUIRE(DbServerRpcPolicy<v1::DeleteDbServerRequest>::kIdempotency ==
                 Idempotency::kIdempotentWithRequestId);
}

TEST_CASE("Mutating requests get a request_id once, reads need none") {
  v1::IncrementInstanceCountRequest increment;
  CHECK(internal::PrepareForRetries(increment));
  const std::string filled = increment.request_id();
  CHECK(filled.size() == 36);
  CHECK(internal::PrepareForRetries(increment));
  CHECK(increment.request_id() == filled);

  v1::UpdateDbServerRequest update;  // with or without an etag
  CHECK(internal::PrepareForRetries(update));
  CHECK_FALSE(update.request_id().empty());

  v1::GetDbServerRequest get;
  CHECK(internal::PrepareForRetries(get));
  v1::ListDbServersRequest list;
  CHECK(internal::PrepareForRetries(list));
  v1::FindAvailableDbServerRequest find;
  CHECK(internal::PrepareForRetries(find));

  v1::DeleteDbServerRequest caller_chosen;  // a caller's own request_id is kept
  caller_chosen.set_request_id("0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f");
  CHECK(internal::PrepareForRetries(caller_chosen));
  CHECK(caller_chosen.request_id() == "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f");
}

TEST_CASE("Giving up keeps the code and the error details and says why") {
  const absl::Status given_up = internal::GaveUp(
      MakeError(absl::StatusCode::kUnavailable, "db down", ::instance::v1::DATABASE_UNAVAILABLE), 3,
      absl::Milliseconds(700));
  CHECK(given_up.code() == absl::StatusCode::kUnavailable);
  CHECK(dbs::errors::ReasonOf(given_up) == ::instance::v1::DATABASE_UNAVAILABLE);
  CHECK_THAT(std::string(given_up.message()), Catch::Contains("gave up after 3 attempts"));
}

}  // namespace
}  // namespace dbs::client
