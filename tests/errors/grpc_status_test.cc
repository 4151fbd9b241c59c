// errors/grpc_status.h: the one absl::Status <-> grpc::Status conversion.
#include "errors/grpc_status.h"

#include <catch2/catch.hpp>

#include "errors/error_status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace dbs::errors {
namespace {

namespace v1 = ::instance::v1;

google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(status.error_details()));
  return details;
}

TEST_CASE("ToGrpcStatus packs ErrorInfo, BadRequest and RetryInfo, in that order") {
  const absl::Status status =
      WithRetryDelay(InvalidArgument(v1::INVALID_FIELD, {{"db_server.port", "must be 1 to 65535"}}),
                     absl::Milliseconds(100));
  const grpc::Status sent = ToGrpcStatus(status);
  CHECK(sent.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(sent.error_message() == "db_server.port: must be 1 to 65535");
  const google::rpc::Status details = DetailsOf(sent);
  CHECK(details.code() == 3);
  CHECK(details.message() == sent.error_message());
  REQUIRE(details.details_size() == 3);
  google::rpc::ErrorInfo info;
  REQUIRE(details.details(0).UnpackTo(&info));
  CHECK(info.reason() == "INVALID_FIELD");
  CHECK(info.domain() == "instance.internal");
  google::rpc::BadRequest bad_request;
  REQUIRE(details.details(1).UnpackTo(&bad_request));
  CHECK(bad_request.field_violations(0).field() == "db_server.port");
  google::rpc::RetryInfo retry;
  REQUIRE(details.details(2).UnpackTo(&retry));
  CHECK(retry.retry_delay().nanos() == 100'000'000);
}

TEST_CASE("Payloads of lower layers never leave the process") {
  absl::Status status = absl::InternalError("boom");
  status.SetPayload("dbs.pq/sqlstate", absl::Cord("XX000"));
  const grpc::Status sent = ToGrpcStatus(status);
  CHECK(sent.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(sent.error_details().empty());
}

TEST_CASE("FromGrpcStatus reads back what ToGrpcStatus sent") {
  const absl::Status original =
      MakeError(absl::StatusCode::kFailedPrecondition, "full", v1::DB_SERVER_FULL,
                {{"instance_count", "2"}, {"max_instances", "2"}});
  const absl::Status received = FromGrpcStatus(ToGrpcStatus(original));
  CHECK(received.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(received.message() == "full");
  CHECK(ReasonOf(received) == v1::DB_SERVER_FULL);
  CHECK(MetadataOf(received) == MetadataOf(original));
}

TEST_CASE("FromGrpcStatus keys details by type name whatever the sender's URL prefix") {
  google::rpc::ErrorInfo info;
  info.set_reason("ETAG_MISMATCH");
  google::rpc::Status details;
  details.set_code(10);
  google::protobuf::Any& any = *details.add_details();
  any.set_type_url("example.com/x/google.rpc.ErrorInfo");
  any.set_value(info.SerializeAsString());
  const absl::Status received =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::ABORTED, "stale", details.SerializeAsString()));
  CHECK(ReasonOf(received) == v1::ETAG_MISMATCH);
}

TEST_CASE("A grpc::Status without details has no reason, and OK stays OK") {
  const absl::Status received =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  CHECK(received.code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonNameOf(received).empty());
  CHECK(FromGrpcStatus(grpc::Status::OK).ok());
  CHECK(ToGrpcStatus(absl::OkStatus()).ok());
  CHECK(FromGrpcStatus(grpc::Status(grpc::StatusCode::INTERNAL, "x", "not a proto")).code() ==
        absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace dbs::errors
