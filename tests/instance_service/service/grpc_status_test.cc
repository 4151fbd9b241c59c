// ToGrpcStatus: every error fits in a gRPC client's metadata limit. The inputs are
// the two that broke the contract (found by fuzzing and confirmed against the
// binary): many invalid labels, and a mask repeating one immutable path.
#include "instance_service/service/grpc_status.h"

#include <catch2/catch.hpp>

#include <string>

#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "instance_service/rules/request_validation.h"
#include "instance_service/rules/update_mask.h"

namespace dbs::instance {
namespace {

namespace v1 = ::instance::v1;

struct SentError {
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
  bool has_bad_request = false;
};

// Decodes the details the way a client does, and checks they fit and agree
// with the status.
SentError Decode(const grpc::Status& status) {
  INFO(status.error_message());
  CHECK(ErrorMetadataBytes(status) <= kMaxErrorMetadataBytes);
  google::rpc::Status details;
  REQUIRE(details.ParseFromString(status.error_details()));
  CHECK(details.code() == static_cast<int>(status.error_code()));
  CHECK(details.message() == status.error_message());
  SentError sent;
  for (const auto& any : details.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) REQUIRE(any.UnpackTo(&sent.info));
    if (any.Is<google::rpc::BadRequest>()) {
      REQUIRE(any.UnpackTo(&sent.bad_request));
      sent.has_bad_request = true;
    }
  }
  return sent;
}

v1::CreateDbServerRequest CreateWithLabels(int count, const std::string& key_prefix) {
  v1::CreateDbServerRequest request;
  v1::DbServer& pool = *request.mutable_db_server();
  pool.set_display_name("pg-1");
  pool.set_host("127.0.0.1");
  pool.set_port(5432);
  pool.set_server_type("postgres");
  pool.set_max_instances(10);
  for (int i = 0; i < count; ++i) {
    (*pool.mutable_labels())[absl::StrCat(key_prefix, i)] = "EU West";
  }
  return request;
}

TEST_CASE("14 invalid labels give INVALID_ARGUMENT with BadRequest that fits the metadata limit") {
  const absl::Status invalid = ValidateCreateDbServerRequest(CreateWithLabels(14, "Zone-"));
  REQUIRE(errors::ViolationsOf(invalid).size() == 28);  // each key and each value
  const grpc::Status status = ToGrpcStatus(invalid);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  const SentError sent = Decode(status);
  CHECK(sent.info.reason() == "INVALID_FIELD");
  REQUIRE(sent.has_bad_request);
  CHECK(sent.bad_request.field_violations(0).field() == "db_server.labels[\"Zone-0\"]");
  // The message lists what fits in 1 KiB and counts the rest.
  CHECK(status.error_message().size() <= 1024);
  CHECK_THAT(status.error_message(), Catch::Matches(".*; and [0-9]+ more"));
}

TEST_CASE("4 labels with long non-ASCII keys fit, cut to whole UTF-8 sequences") {
  std::string key;
  for (int i = 0; i < 60; ++i) key += "\xE4\xB8\xAD";  // U+4E2D, 3 bytes
  const absl::Status invalid = ValidateCreateDbServerRequest(CreateWithLabels(4, key));
  const grpc::Status status = ToGrpcStatus(invalid);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  const SentError sent = Decode(status);
  REQUIRE(sent.has_bad_request);
  CHECK(sent.bad_request.field_violations_size() >= 1);
  size_t code_points = 0;
  bool control = false;
  CHECK(ScanUtf8(status.error_message(), &code_points, &control));
}

TEST_CASE("64 labels with the longest keys and values still fit") {
  v1::CreateDbServerRequest request = CreateWithLabels(0, "");
  // Distinct within the 64 bytes an error quotes, or they would be one violation.
  for (int i = 0; i < 64; ++i) {
    (*request.mutable_db_server()->mutable_labels())[absl::StrCat(i, std::string(200, '%'))] =
        std::string(300, '\x7f');
  }
  const grpc::Status status = ToGrpcStatus(ValidateCreateDbServerRequest(request));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  const SentError sent = Decode(status);
  CHECK(sent.has_bad_request);
  CHECK_THAT(status.error_message(), Catch::Matches(".*; and [0-9]+ more"));
}

TEST_CASE("A mask repeating display_name 17 times is one violation") {
  v1::UpdateDbServerRequest request;
  request.mutable_db_server()->set_id("0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f");
  for (int i = 0; i < 17; ++i) request.mutable_update_mask()->add_paths("display_name");
  request.mutable_update_mask()->add_paths("id");
  const grpc::Status status = ToGrpcStatus(CheckUpdateMask(request.update_mask()));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  const SentError sent = Decode(status);
  CHECK(sent.info.reason() == "INVALID_UPDATE_MASK");
  REQUIRE(sent.bad_request.field_violations_size() == 2);
  CHECK(sent.bad_request.field_violations(0).field() == "update_mask.paths[0]");
  CHECK(sent.bad_request.field_violations(1).field() == "update_mask.paths[17]");
}

TEST_CASE("A 64-path mask of distinct unknown paths fits") {
  google::protobuf::FieldMask mask;
  for (int i = 0; i < 64; ++i) mask.add_paths(absl::StrCat(std::string(100, '\xff'), i));
  const grpc::Status status = ToGrpcStatus(CheckUpdateMask(mask));
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(Decode(status).has_bad_request);
}

TEST_CASE("A long message without violations is clipped, and small errors are unchanged") {
  std::string long_message;
  for (int i = 0; i < 5000; ++i) long_message += "\xC3\xA9";  // U+00E9, 2 bytes
  const grpc::Status clipped = ToGrpcStatus(
      errors::MakeError(absl::StatusCode::kFailedPrecondition, long_message, v1::DB_SERVER_FULL));
  CHECK(clipped.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(clipped.error_message().size() <= 1024);
  CHECK_THAT(clipped.error_message(), Catch::EndsWith("..."));
  CHECK(Decode(clipped).info.reason() == "DB_SERVER_FULL");

  const grpc::Status small = ToGrpcStatus(ValidateCreateDbServerRequest(CreateWithLabels(1, "Z")));
  CHECK(small.error_message() ==
        "db_server.labels[\"Z0\"]: key must match [a-z][a-z0-9_-]{0,62}, got \"Z0\"; "
        "db_server.labels[\"Z0\"]: value must be at most 63 characters of a-z, 0-9, '_' and "
        "'-', got \"EU West\"");
  CHECK(Decode(small).bad_request.field_violations_size() == 2);
}

}  // namespace
}  // namespace dbs::instance
