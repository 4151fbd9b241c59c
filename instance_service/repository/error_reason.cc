#include "instance_service/repository/error_reason.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace dbs::instance {
namespace {

constexpr absl::string_view kReasonPayload = "type.googleapis.com/instance.internal/reason";
// One payload per metadata key: "<prefix><key>" -> value.
constexpr absl::string_view kMetadataPrefix = "type.googleapis.com/instance.internal/metadata/";

}  // namespace

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view message,
                             absl::string_view reason) {
  return WithReason(absl::Status(code, message), reason);
}

std::string ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayload);  // absl::optional in Debian's abseil
  return payload.has_value() ? std::string(*payload) : std::string();
}

absl::Status WithErrorMetadata(absl::Status status,
                               const std::vector<std::pair<std::string, std::string>>& metadata) {
  if (status.ok()) return status;
  for (const auto& [key, value] : metadata) {
    status.SetPayload(absl::StrCat(kMetadataPrefix, key), absl::Cord(value));
  }
  return status;
}

std::map<std::string, std::string> ErrorMetadataOf(const absl::Status& status) {
  std::map<std::string, std::string> metadata;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (absl::StartsWith(url, kMetadataPrefix)) {
      metadata[std::string(url.substr(kMetadataPrefix.size()))] = std::string(value);
    }
  });
  return metadata;
}

}  // namespace dbs::instance
