#include "client/error_reason.h"

#include <string>

#include "absl/strings/cord.h"
#include "client/internal/error_payloads.h"
#include "google/rpc/error_details.pb.h"

namespace dbs::client {
namespace {

// Parses the payload stored under `type_url` into `message`; false when absent.
bool ParsePayload(const absl::Status& status, absl::string_view type_url,
                  google::protobuf::Message& message) {
  auto payload = status.GetPayload(type_url);  // absl::optional in Debian's abseil
  return payload.has_value() && message.ParseFromString(std::string(*payload));
}

}  // namespace

std::string ErrorReason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return ParsePayload(status, internal::kErrorInfoTypeUrl, info) ? info.reason() : std::string();
}

std::map<std::string, std::string> ErrorMetadata(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  if (!ParsePayload(status, internal::kErrorInfoTypeUrl, info)) return {};
  return {info.metadata().begin(), info.metadata().end()};
}

std::vector<FieldViolation> FieldViolations(const absl::Status& status) {
  google::rpc::BadRequest bad_request;
  if (!ParsePayload(status, internal::kBadRequestTypeUrl, bad_request)) return {};
  std::vector<FieldViolation> violations;
  for (const auto& violation : bad_request.field_violations()) {
    violations.push_back({violation.field(), violation.description()});
  }
  return violations;
}

absl::Status MakeError(absl::StatusCode code, absl::string_view message, absl::string_view reason,
                       const std::map<std::string, std::string>& metadata,
                       const std::vector<FieldViolation>& violations) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(internal::kErrorDomain));
  info.mutable_metadata()->insert(metadata.begin(), metadata.end());
  status.SetPayload(internal::kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  if (!violations.empty()) {
    google::rpc::BadRequest bad_request;
    for (const FieldViolation& violation : violations) {
      auto* added = bad_request.add_field_violations();
      added->set_field(violation.field);
      added->set_description(violation.description);
    }
    status.SetPayload(internal::kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  }
  return status;
}

}  // namespace dbs::client
