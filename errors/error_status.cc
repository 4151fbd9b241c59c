#include "errors/error_status.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"

namespace dbs::errors {
namespace {

// Parses the payload under `type_url` into `message`; false when absent.
bool ReadPayload(const absl::Status& status, absl::string_view type_url,
                 google::protobuf::Message& message) {
  auto payload = status.GetPayload(type_url);  // absl::optional in Debian's abseil
  return payload.has_value() && message.ParseFromString(std::string(*payload));
}

void WritePayload(absl::Status& status, absl::string_view type_url,
                  const google::protobuf::Message& message) {
  status.SetPayload(type_url, absl::Cord(message.SerializeAsString()));
}

}  // namespace

absl::Status MakeError(absl::StatusCode code, absl::string_view message, ErrorReason reason,
                       const ErrorMetadata& metadata, absl::string_view domain) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  if (reason != ::instance::v1::ERROR_REASON_UNSPECIFIED) {
    info.set_reason(::instance::v1::ErrorReason_Name(reason));
  }
  info.set_domain(std::string(domain));
  info.mutable_metadata()->insert(metadata.begin(), metadata.end());
  WritePayload(status, kErrorInfoTypeUrl, info);
  return status;
}

absl::Status InvalidArgument(ErrorReason reason, std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad_request;
  std::vector<std::string> summary;
  summary.reserve(violations.size());
  for (FieldViolation& violation : violations) {
    summary.push_back(absl::StrCat(violation.field, ": ", violation.description));
    auto* entry = bad_request.add_field_violations();
    entry->set_field(std::move(violation.field));
    entry->set_description(std::move(violation.description));
  }
  absl::Status status =
      MakeError(absl::StatusCode::kInvalidArgument, absl::StrJoin(summary, "; "), reason);
  WritePayload(status, kBadRequestTypeUrl, bad_request);
  return status;
}

absl::Status WithMetadata(absl::Status status, const ErrorMetadata& metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  if (!ReadPayload(status, kErrorInfoTypeUrl, info)) info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  WritePayload(status, kErrorInfoTypeUrl, info);
  return status;
}

absl::Status WithMessage(const absl::Status& status, absl::string_view message) {
  absl::Status rewritten(status.code(), message);
  status.ForEachPayload([&rewritten](absl::string_view type_url, const absl::Cord& payload) {
    rewritten.SetPayload(type_url, payload);
  });
  return rewritten;
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  if (status.ok()) return status;
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(nanos / 1'000'000'000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  WritePayload(status, kRetryInfoTypeUrl, retry);
  return status;
}

ErrorReason ReasonOf(const absl::Status& status) {
  ErrorReason reason = ::instance::v1::ERROR_REASON_UNSPECIFIED;
  const std::string name = ReasonNameOf(status);
  if (name.empty() || !::instance::v1::ErrorReason_Parse(name, &reason)) {
    return ::instance::v1::ERROR_REASON_UNSPECIFIED;
  }
  return reason;
}

std::string ReasonNameOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return ReadPayload(status, kErrorInfoTypeUrl, info) ? info.reason() : std::string();
}

std::string DomainOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return ReadPayload(status, kErrorInfoTypeUrl, info) ? info.domain() : std::string();
}

ErrorMetadata MetadataOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  if (!ReadPayload(status, kErrorInfoTypeUrl, info)) return {};
  return {info.metadata().begin(), info.metadata().end()};
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  google::rpc::BadRequest bad_request;
  if (!ReadPayload(status, kBadRequestTypeUrl, bad_request)) return {};
  std::vector<FieldViolation> violations;
  violations.reserve(bad_request.field_violations_size());
  for (const auto& violation : bad_request.field_violations()) {
    violations.push_back({violation.field(), violation.description()});
  }
  return violations;
}

absl::Duration RetryDelayOf(const absl::Status& status) {
  google::rpc::RetryInfo retry;
  if (!ReadPayload(status, kRetryInfoTypeUrl, retry)) return absl::ZeroDuration();
  return absl::Seconds(retry.retry_delay().seconds()) +
         absl::Nanoseconds(retry.retry_delay().nanos());
}

}  // namespace dbs::errors
