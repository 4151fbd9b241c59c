#ifndef CLIENT_INTERNAL_GRPC_STATUS_H_
#define CLIENT_INTERNAL_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace dbs::client::internal {

// The one place a grpc::Status becomes an absl::Status: same code and message,
// and the google.rpc.Status details (ErrorInfo, BadRequest) kept as payloads that
// ErrorReason()/FieldViolations() read. Called only by DefaultDbServerStub.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_GRPC_STATUS_H_
