#ifndef INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_
#define INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace dbs::instance {

// The one place instance-service makes a grpc::Status: its policy on top of the
// shared conversion (errors/grpc_status.h), which carries the code, the message
// and the google.rpc details (ErrorInfo, BadRequest, RetryInfo) over unchanged.
//
// The policy: every error carries an ErrorInfo a caller can branch on, so an error
// whose origin attached no reason gets a default one per code (INVALID_FIELD,
// DB_SERVER_NOT_FOUND, DATABASE_UNAVAILABLE, QUERY_TIMEOUT, ETAG_MISMATCH, else
// INTERNAL_ERROR) in domain errors::kErrorDomain. INTERNAL and UNKNOWN errors are
// logged here with a fresh correlation id and sent with a generic message carrying
// that id, so neither SQL nor connection details reach callers.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_
