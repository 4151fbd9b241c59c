#ifndef METRICS_GRPC_LABELS_H_
#define METRICS_GRPC_LABELS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::metrics {

// The label values of the go-grpc-prometheus / grpc-ecosystem convention, which
// existing gRPC dashboards expect.

// grpc_type.
enum class RpcType { kUnary, kClientStream, kServerStream, kBidiStream };

// "unary", "client_stream", "server_stream", "bidi_stream".
absl::string_view RpcTypeLabel(RpcType type);

// grpc_code: the code's Go name, "OK", "InvalidArgument", "DeadlineExceeded", ...;
// "Unknown" for a value outside 0..16. absl::StatusCode and grpc::StatusCode share
// their numbers, so a grpc::Status converts with
// `static_cast<absl::StatusCode>(status.error_code())`.
absl::string_view GrpcCodeLabel(absl::StatusCode code);

// grpc_service and grpc_method of a full method name as gRPC reports it
// ("/instance.v1.DbServerService/GetDbServer" -> "instance.v1.DbServerService",
// "GetDbServer"). Anything else yields service "unknown" and the text as the method.
struct RpcMethodName {
  std::string service;
  std::string method;
};
RpcMethodName ParseFullMethod(absl::string_view full_method);

}  // namespace dbs::metrics

#endif  // METRICS_GRPC_LABELS_H_
