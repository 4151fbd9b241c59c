#include "instance_service/service/field_violation.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/rpc/error_details.pb.h"
#include "instance_service/repository/error_reason.h"

namespace dbs::instance {
namespace {

constexpr absl::string_view kBadRequestPayload = "type.googleapis.com/google.rpc.BadRequest";

}  // namespace

absl::Status InvalidArgument(absl::string_view reason, std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad_request;
  std::vector<std::string> summary;
  for (FieldViolation& violation : violations) {
    summary.push_back(absl::StrCat(violation.field, ": ", violation.description));
    auto* entry = bad_request.add_field_violations();
    entry->set_field(std::move(violation.field));
    entry->set_description(std::move(violation.description));
  }
  absl::Status status =
      ErrorWithReason(absl::StatusCode::kInvalidArgument, absl::StrJoin(summary, "; "), reason);
  status.SetPayload(kBadRequestPayload, absl::Cord(bad_request.SerializeAsString()));
  return status;
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  auto payload = status.GetPayload(kBadRequestPayload);
  google::rpc::BadRequest bad_request;
  if (!payload.has_value() || !bad_request.ParseFromString(std::string(*payload))) {
    return violations;
  }
  for (const auto& entry : bad_request.field_violations()) {
    violations.push_back({entry.field(), entry.description()});
  }
  return violations;
}

}  // namespace dbs::instance
