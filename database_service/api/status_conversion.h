#ifndef DATABASE_SERVICE_API_STATUS_CONVERSION_H_
#define DATABASE_SERVICE_API_STATUS_CONVERSION_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace dbs::database_service {

// The ErrorInfo domain of the errors database-service makes itself (today only the
// serving core's SERVER_OVERLOADED); errors from instance-service keep theirs.
inline constexpr char kErrorDomain[] = "database.internal";

// The one place database-service turns an absl::Status into the grpc::Status a
// handler returns: same canonical code, same message, and every payload (the
// google.rpc.ErrorInfo / BadRequest that InstanceServiceClient keeps from
// instance-service, keyed by type URL) forwarded as a google.rpc.Status detail,
// so `reason` values such as NO_CAPACITY reach grpcurl users unchanged.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The answer to a request whose bytes do not parse as `method`'s request
// message: INVALID_ARGUMENT instead of gRPC's INTERNAL
// (serving/malformed_request.h).
grpc::Status MalformedRequestStatus(const std::string& method);

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_API_STATUS_CONVERSION_H_
