#include "instance_service/service/grpc_status.h"

#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "errors/error_status.h"
#include "errors/grpc_status.h"
#include "glog/logging.h"

namespace dbs::instance {
namespace {

namespace v1 = ::instance::v1;

// A reason for errors whose origin attached none (e.g. a bug path), so every
// error still carries an ErrorInfo a caller can branch on.
v1::ErrorReason DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return v1::INVALID_FIELD;
    case absl::StatusCode::kNotFound:
      return v1::DB_SERVER_NOT_FOUND;
    case absl::StatusCode::kUnavailable:
      return v1::DATABASE_UNAVAILABLE;
    case absl::StatusCode::kDeadlineExceeded:
      return v1::QUERY_TIMEOUT;
    case absl::StatusCode::kAborted:
      return v1::ETAG_MISMATCH;
    default:
      return v1::INTERNAL_ERROR;
  }
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const bool internal =
      status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown;
  if (!internal && errors::ReasonOf(status) != v1::ERROR_REASON_UNSPECIFIED) {
    return errors::ToGrpcStatus(status);
  }
  std::string message(status.message());
  if (internal) {
    absl::BitGen random;
    const std::string correlation = absl::StrFormat("%016x", absl::Uniform<uint64_t>(random));
    LOG(ERROR) << "internal error [" << correlation << "]: " << status;
    message = absl::StrCat("internal error; correlation id ", correlation);
  }
  // Rebuilt: the reason filled in (or kept), the metadata and violations kept, and
  // nothing of an INTERNAL error but its code and correlation id.
  v1::ErrorReason reason = errors::ReasonOf(status);
  if (reason == v1::ERROR_REASON_UNSPECIFIED) reason = DefaultReason(status.code());
  absl::Status sent = errors::MakeError(status.code(), message, reason, errors::MetadataOf(status));
  if (auto violations = status.GetPayload(errors::kBadRequestTypeUrl); violations.has_value()) {
    sent.SetPayload(errors::kBadRequestTypeUrl, *violations);
  }
  return errors::ToGrpcStatus(sent);
}

}  // namespace dbs::instance
