// The retry policy's arithmetic, request ids, and the one grpc::Status
// conversion: pure functions, no network.
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "client/error_reason.h"
#include "client/internal/connection_impl.h"
#include "client/internal/grpc_status.h"
#include "client/internal/request_id.h"
#include "client/internal/retry_loop.h"
#include "client/retry_policy.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

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

TEST_CASE("Mutating requests get a request_id once, reads need none, others are not retried") {
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

  v1::DbServer not_a_known_read;  // no request_id and not a read: one attempt only
  CHECK_FALSE(internal::PrepareForRetries(not_a_known_read));
}

TEST_CASE("A grpc::Status becomes an absl::Status with its ErrorInfo and BadRequest") {
  google::rpc::Status details;
  details.set_code(3);
  details.set_message("bad port");
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_FIELD");
  info.set_domain("instance.internal");
  (*info.mutable_metadata())["id"] = "x";
  details.add_details()->PackFrom(info);
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("db_server.port");
  violation->set_description("must be 1 to 65535");
  details.add_details()->PackFrom(bad_request);
  const grpc::Status wire(grpc::StatusCode::INVALID_ARGUMENT, "bad port",
                          details.SerializeAsString());

  const absl::Status status = internal::FromGrpcStatus(wire);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message() == "bad port");
  CHECK(ErrorReason(status) == "INVALID_FIELD");
  CHECK(ErrorMetadata(status) == std::map<std::string, std::string>{{"id", "x"}});
  const auto violations = FieldViolations(status);
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].field == "db_server.port");
  CHECK(violations[0].description == "must be 1 to 65535");
}

TEST_CASE("A grpc::Status without details has no reason and OK stays OK") {
  const absl::Status status =
      internal::FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(ErrorReason(status).empty());
  CHECK(FieldViolations(status).empty());
  CHECK(internal::FromGrpcStatus(grpc::Status::OK).ok());
}

TEST_CASE("MakeError builds errors that read back like server errors") {
  const absl::Status status = MakeError(absl::StatusCode::kFailedPrecondition, "full",
                                        "DB_SERVER_FULL", {{"id", "p"}}, {{"f", "d"}});
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ErrorReason(status) == "DB_SERVER_FULL");
  CHECK(ErrorMetadata(status).at("id") == "p");
  CHECK(FieldViolations(status).size() == 1);
}

TEST_CASE("Giving up keeps the code and the error details and says why") {
  const absl::Status given_up =
      internal::GaveUp(MakeError(absl::StatusCode::kUnavailable, "db down", "DATABASE_UNAVAILABLE"),
                       3, absl::Milliseconds(700));
  CHECK(given_up.code() == absl::StatusCode::kUnavailable);
  CHECK(ErrorReason(given_up) == "DATABASE_UNAVAILABLE");
  CHECK_THAT(std::string(given_up.message()), Catch::Contains("gave up after 3 attempts"));
}

}  // namespace
}  // namespace dbs::client
