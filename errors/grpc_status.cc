#include "errors/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "google/rpc/status.pb.h"

namespace dbs::errors {
namespace {

// Every google.rpc payload, known ones first in a fixed order.
constexpr absl::string_view kKnownTypeUrls[] = {kErrorInfoTypeUrl, kBadRequestTypeUrl,
                                                kRetryInfoTypeUrl};
constexpr absl::string_view kGoogleRpcPrefix = "type.googleapis.com/google.rpc.";

bool IsKnown(absl::string_view type_url) {
  for (absl::string_view known : kKnownTypeUrls) {
    if (type_url == known) return true;
  }
  return false;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  google::rpc::Status details;
  for (absl::string_view type_url : kKnownTypeUrls) {
    auto payload = status.GetPayload(type_url);
    if (!payload.has_value()) continue;
    google::protobuf::Any& detail = *details.add_details();
    detail.set_type_url(std::string(type_url));
    detail.set_value(std::string(*payload));
  }
  status.ForEachPayload([&details](absl::string_view type_url, const absl::Cord& payload) {
    if (!absl::StartsWith(type_url, kGoogleRpcPrefix) || IsKnown(type_url)) return;
    google::protobuf::Any& detail = *details.add_details();
    detail.set_type_url(std::string(type_url));
    detail.set_value(std::string(payload));
  });
  if (details.details().empty()) return grpc::Status(code, message);
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  return grpc::Status(code, message, details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status converted(static_cast<absl::StatusCode>(status.error_code()),
                         status.error_message());
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return converted;
  }
  for (const google::protobuf::Any& detail : details.details()) {
    // Keyed by the canonical type URL whatever prefix the sender used.
    const absl::string_view type_url = detail.type_url();
    const absl::string_view name = type_url.substr(type_url.rfind('/') + 1);
    if (!absl::StartsWith(name, "google.rpc.")) continue;
    converted.SetPayload(absl::StrCat("type.googleapis.com/", name), absl::Cord(detail.value()));
  }
  return converted;
}

}  // namespace dbs::errors
