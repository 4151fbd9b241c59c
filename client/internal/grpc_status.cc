#include "client/internal/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "client/internal/error_payloads.h"
#include "google/rpc/status.pb.h"

namespace dbs::client::internal {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status converted(static_cast<absl::StatusCode>(status.error_code()),
                         status.error_message());
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return converted;
  }
  for (const google::protobuf::Any& detail : details.details()) {
    // Keyed by the full type URL the server used; the value stays serialized.
    for (absl::string_view known : {kErrorInfoTypeUrl, kBadRequestTypeUrl, kRetryInfoTypeUrl}) {
      const absl::string_view message_name = known.substr(known.rfind('/'));
      if (absl::EndsWith(detail.type_url(), message_name)) {
        converted.SetPayload(known, absl::Cord(detail.value()));
      }
    }
  }
  return converted;
}

}  // namespace dbs::client::internal
