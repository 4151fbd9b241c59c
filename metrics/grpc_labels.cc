#include "metrics/grpc_labels.h"

#include "absl/strings/match.h"

namespace dbs::metrics {

absl::string_view RpcTypeLabel(RpcType type) {
  switch (type) {
    case RpcType::kUnary:
      return "unary";
    case RpcType::kClientStream:
      return "client_stream";
    case RpcType::kServerStream:
      return "server_stream";
    case RpcType::kBidiStream:
      return "bidi_stream";
  }
  return "unary";
}

absl::string_view GrpcCodeLabel(absl::StatusCode code) {
  // Indexed by the canonical code number (google.rpc.Code).
  static constexpr absl::string_view kNames[] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  const int index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) {
    return "Unknown";
  }
  return kNames[index];
}

RpcMethodName ParseFullMethod(absl::string_view full_method) {
  if (absl::StartsWith(full_method, "/")) {
    const absl::string_view rest = full_method.substr(1);
    const size_t slash = rest.find('/');
    if (slash != absl::string_view::npos && slash > 0 && slash + 1 < rest.size() &&
        rest.find('/', slash + 1) == absl::string_view::npos) {
      return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
    }
  }
  return {"unknown", std::string(full_method)};
}

}  // namespace dbs::metrics
