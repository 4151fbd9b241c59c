#include "serving/call_log.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"

namespace dbs::serving {
namespace {

// The codes the error-ratio alert counts as the server's fault.
bool IsServerFault(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

// Messages are for engineers and may quote input; bounded so that one call cannot
// flood the log.
constexpr size_t kMaxMessage = 300;

}  // namespace

absl::StatusOr<CallLogMode> ParseCallLogMode(absl::string_view text, absl::string_view flag) {
  if (text == "none") return CallLogMode::kNone;
  if (text == "errors") return CallLogMode::kErrors;
  if (text == "all") return CallLogMode::kAll;
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " must be one of none, errors, all; got \"", absl::CEscape(text), "\""));
}

std::string PeerIdentity(const grpc::ServerContextBase& context) {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    // The order in which gRPC's authorization policy matches principals.
    for (const char* property : {GRPC_PEER_URI_PROPERTY_NAME, GRPC_PEER_DNS_PROPERTY_NAME,
                                 GRPC_X509_SUBJECT_PROPERTY_NAME}) {
      const std::vector<grpc::string_ref> values = auth->FindPropertyValues(property);
      if (!values.empty()) return std::string(values.front().data(), values.front().size());
    }
  }
  return context.peer();
}

void LogCall(const grpc::ServerContextBase& context, absl::string_view full_method,
             const grpc::Status& status, absl::string_view reason, absl::Duration latency) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string line = absl::StrCat("call ", full_method, " peer=", PeerIdentity(context),
                                  " code=", absl::StatusCodeToString(code),
                                  " reason=", reason.empty() ? "-" : reason,
                                  " latency=", absl::FormatDuration(latency));
  if (!status.ok()) {
    // error_message() returns a copy: keep it alive while it is quoted.
    const std::string text = status.error_message();
    const absl::string_view message = text;
    const bool cut = message.size() > kMaxMessage;
    absl::StrAppend(&line, " message=\"", absl::CHexEscape(message.substr(0, kMaxMessage)),
                    cut ? "...\"" : "\"");
  }
  if (IsServerFault(code)) {
    LOG(WARNING) << line;
  } else {
    LOG(INFO) << line;
  }
}

}  // namespace dbs::serving
