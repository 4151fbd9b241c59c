#ifndef INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_
#define INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace dbs::instance {

// The ErrorInfo domain of every error instance-service sends.
inline constexpr char kErrorDomain[] = "instance.internal";

// The one place instance-service makes a grpc::Status. The code and message carry
// over; the binary details (grpc-status-details-bin) hold a google.rpc.Status with
// a google.rpc.ErrorInfo (domain kErrorDomain, the status's reason — or a default
// per code when none was attached — and its metadata, see error_reason.h) and, for
// INVALID_ARGUMENT, a google.rpc.BadRequest with every field violation.
//
// INTERNAL and UNKNOWN errors are logged here with a fresh correlation id and sent
// with a generic message carrying that id, so neither SQL nor connection details
// reach callers.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_
