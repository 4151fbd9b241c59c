#include "instance_service/service/grpc_status.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "glog/logging.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "instance_service/repository/error_reason.h"
#include "instance_service/service/field_violation.h"

namespace dbs::instance {
namespace {

// A reason for errors whose origin attached none (e.g. a bug path), so every
// error still carries an ErrorInfo a caller can branch on.
const char* DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_FIELD";
    case absl::StatusCode::kNotFound:
      return "DB_SERVER_NOT_FOUND";
    case absl::StatusCode::kUnavailable:
      return "DATABASE_UNAVAILABLE";
    case absl::StatusCode::kDeadlineExceeded:
      return "QUERY_TIMEOUT";
    case absl::StatusCode::kAborted:
      return "ETAG_MISMATCH";
    default:
      return "INTERNAL_ERROR";
  }
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;

  std::string message(status.message());
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    absl::BitGen random;
    const std::string correlation = absl::StrFormat("%016x", absl::Uniform<uint64_t>(random));
    LOG(ERROR) << "internal error [" << correlation << "]: " << status;
    message = absl::StrCat("internal error; correlation id ", correlation);
  }

  google::rpc::ErrorInfo info;
  for (const auto& [key, value] : ErrorMetadataOf(status)) (*info.mutable_metadata())[key] = value;
  const std::string reason = ReasonOf(status);
  info.set_reason(reason.empty() ? DefaultReason(status.code()) : reason);
  info.set_domain(kErrorDomain);

  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  details.add_details()->PackFrom(info);
  const std::vector<FieldViolation> violations = ViolationsOf(status);
  if (!violations.empty()) {
    google::rpc::BadRequest bad_request;
    for (const FieldViolation& violation : violations) {
      auto* entry = bad_request.add_field_violations();
      entry->set_field(violation.field);
      entry->set_description(violation.description);
    }
    details.add_details()->PackFrom(bad_request);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      details.SerializeAsString());
}

}  // namespace dbs::instance
