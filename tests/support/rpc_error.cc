#include "tests/support/rpc_error.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"

namespace dbs::testing {
namespace {

google::rpc::Status DetailsOf(const grpc::Status& status) {
  google::rpc::Status details;
  details.ParseFromString(status.error_details());
  return details;
}

}  // namespace

google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
  google::rpc::ErrorInfo info;
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& detail : details.details()) {
    if (detail.UnpackTo(&info)) return info;
  }
  return google::rpc::ErrorInfo();
}

bool HasRetryInfo(const grpc::Status& status) {
  google::rpc::RetryInfo retry;
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& detail : details.details()) {
    if (detail.UnpackTo(&retry)) return true;
  }
  return false;
}

std::string OutcomeOf(const grpc::Status& status) {
  if (status.ok()) return "OK";
  return absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      " ", ErrorInfoOf(status).reason());
}

std::vector<std::string> ViolationFieldsOf(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::BadRequest bad_request;
  const google::rpc::Status details = DetailsOf(status);
  for (const auto& detail : details.details()) {
    if (!detail.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

}  // namespace dbs::testing
