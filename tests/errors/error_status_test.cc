// errors/error_status.h: statuses named by the generated ErrorReason enum.
#include "errors/error_status.h"

#include <catch2/catch.hpp>

#include "google/rpc/error_details.pb.h"

namespace dbs::errors {
namespace {

namespace v1 = ::instance::v1;

TEST_CASE("MakeError carries the enum's name as the ErrorInfo reason, in the contract's domain") {
  const absl::Status status =
      MakeError(absl::StatusCode::kFailedPrecondition, "full", v1::DB_SERVER_FULL,
                {{"instance_count", "3"}, {"max_instances", "3"}});
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(status.message() == "full");
  CHECK(ReasonOf(status) == v1::DB_SERVER_FULL);
  CHECK(ReasonNameOf(status) == "DB_SERVER_FULL");
  CHECK(DomainOf(status) == "instance.internal");
  CHECK(MetadataOf(status) == ErrorMetadata{{"instance_count", "3"}, {"max_instances", "3"}});
  CHECK(ViolationsOf(status).empty());
}

TEST_CASE("The payload is a serialized google.rpc.ErrorInfo under its type URL") {
  const absl::Status status = MakeError(absl::StatusCode::kNotFound, "gone",
                                        v1::DB_SERVER_NOT_FOUND, {}, "database.internal");
  auto payload = status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  REQUIRE(payload.has_value());
  google::rpc::ErrorInfo info;
  REQUIRE(info.ParseFromString(std::string(*payload)));
  CHECK(info.reason() == "DB_SERVER_NOT_FOUND");
  CHECK(info.domain() == "database.internal");
}

TEST_CASE("InvalidArgument lists every violation in the message and the BadRequest") {
  const absl::Status status = InvalidArgument(
      v1::INVALID_FIELD,
      {{"db_server.port", "must be 1 to 65535, got 0"}, {"db_server.host", "must not be empty"}});
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message() ==
        "db_server.port: must be 1 to 65535, got 0; db_server.host: must not be empty");
  CHECK(ReasonOf(status) == v1::INVALID_FIELD);
  CHECK(ViolationsOf(status) ==
        std::vector<FieldViolation>{{"db_server.port", "must be 1 to 65535, got 0"},
                                    {"db_server.host", "must not be empty"}});
}

TEST_CASE("WithMetadata adds entries, a later one wins, and OK stays OK") {
  absl::Status status =
      MakeError(absl::StatusCode::kNotFound, "gone", v1::DB_SERVER_NOT_FOUND, {{"id", "old"}});
  status = WithMetadata(status, {{"id", "new"}, {"server_type", "postgres"}});
  CHECK(MetadataOf(status) == ErrorMetadata{{"id", "new"}, {"server_type", "postgres"}});
  CHECK(ReasonOf(status) == v1::DB_SERVER_NOT_FOUND);
  CHECK(WithMetadata(absl::OkStatus(), {{"id", "x"}}).ok());
}

TEST_CASE("WithMetadata on a status without ErrorInfo leaves the reason unspecified") {
  const absl::Status status = WithMetadata(absl::InternalError("bug"), {{"id", "x"}});
  CHECK(ReasonOf(status) == v1::ERROR_REASON_UNSPECIFIED);
  CHECK(ReasonNameOf(status).empty());
  CHECK(MetadataOf(status).at("id") == "x");
}

TEST_CASE("A status without details reads as no reason, no metadata, no violations, no delay") {
  const absl::Status status = absl::UnavailableError("connection refused");
  CHECK(ReasonOf(status) == v1::ERROR_REASON_UNSPECIFIED);
  CHECK(ReasonNameOf(status).empty());
  CHECK(DomainOf(status).empty());
  CHECK(MetadataOf(status).empty());
  CHECK(ViolationsOf(status).empty());
  CHECK(RetryDelayOf(status) == absl::ZeroDuration());
}

TEST_CASE("WithRetryDelay round-trips through RetryDelayOf") {
  const absl::Status status =
      WithRetryDelay(MakeError(absl::StatusCode::kUnavailable, "busy", v1::SERVER_OVERLOADED),
                     absl::Milliseconds(1500));
  CHECK(RetryDelayOf(status) == absl::Milliseconds(1500));
}

TEST_CASE("WithMessage keeps the code and every payload") {
  const absl::Status original =
      InvalidArgument(v1::INVALID_FILTER, {{"filter", "at position 1: expected a field"}});
  const absl::Status annotated = WithMessage(original, "listing pools: bad filter");
  CHECK(annotated.code() == absl::StatusCode::kInvalidArgument);
  CHECK(annotated.message() == "listing pools: bad filter");
  CHECK(ReasonOf(annotated) == v1::INVALID_FILTER);
  CHECK(ViolationsOf(annotated) == ViolationsOf(original));
}

TEST_CASE("Every catalogue value names itself, and an unknown name reads as unspecified") {
  for (int value = v1::ErrorReason_MIN; value <= v1::ErrorReason_MAX; ++value) {
    if (!v1::ErrorReason_IsValid(value) || value == v1::ERROR_REASON_UNSPECIFIED) continue;
    const auto reason = static_cast<v1::ErrorReason>(value);
    CHECK(ReasonOf(MakeError(absl::StatusCode::kInternal, "x", reason)) == reason);
  }
  google::rpc::ErrorInfo info;
  info.set_reason("NOT_IN_THE_CATALOGUE");
  absl::Status status = absl::InternalError("x");
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  CHECK(ReasonOf(status) == v1::ERROR_REASON_UNSPECIFIED);
  CHECK(ReasonNameOf(status) == "NOT_IN_THE_CATALOGUE");
}

}  // namespace
}  // namespace dbs::errors
