#ifndef ERRORS_GRPC_STATUS_H_
#define ERRORS_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace dbs::errors {

// The two conversions between absl::Status and grpc::Status, used at every gRPC
// edge of the repository (instance-service and database-service answering, the
// client receiving). Both keep the code and the message and move the google.rpc
// payloads of error_status.h (ErrorInfo, BadRequest, RetryInfo, in that order)
// between absl::Status payloads and the google.rpc.Status in
// grpc-status-details-bin. Nothing else crosses: payloads of lower layers (pq's
// SQLSTATE, for one) stay inside the process.
//
// Policy belongs to the caller: instance-service's edge first gives every error a
// reason and hides INTERNAL details (instance_service/service/grpc_status.h).

// An error without google.rpc payloads becomes a grpc::Status without details.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Details that do not parse are dropped; the code and message stay.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace dbs::errors

#endif  // ERRORS_GRPC_STATUS_H_
