#include "instance_service/repository/error_reason.h"

#include "absl/strings/cord.h"

namespace dbs::instance {
namespace {

constexpr absl::string_view kReasonPayload = "type.googleapis.com/instance.internal/reason";

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

}  // namespace dbs::instance
