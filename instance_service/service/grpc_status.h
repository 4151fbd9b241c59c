#ifndef INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_
#define INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace dbs::instance {

// The one place instance-service makes a grpc::Status: the error vocabulary's
// payloads (errors/error_status.h) with instance-service's policy on top. The code
// and message carry over; the binary details (grpc-status-details-bin) hold a
// google.rpc.Status with a google.rpc.ErrorInfo (domain errors::kErrorDomain, the
// status's reason — or a default per code when none was attached — and its
// metadata), for INVALID_ARGUMENT a google.rpc.BadRequest with the field
// violations, and the google.rpc.RetryInfo when the status has one.
//
// INTERNAL and UNKNOWN errors are logged here with a fresh correlation id and sent
// with a generic message carrying that id, so neither SQL nor connection details
// reach callers.
//
// Size: message and details travel as metadata, and gRPC clients refuse metadata
// above 8 KiB (by default) with RESOURCE_EXHAUSTED, losing the real error. So
// every error is bounded here: identical violations are sent once, each field
// path and description is clipped (at a UTF-8 boundary), the message lists the
// violations that fit in 1 KiB and ends with "; and N more" for the others,
// and the BadRequest drops violations from its end until both headers fit in
// kMaxErrorMetadataBytes. Other messages are clipped to 1 KiB.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The answer to a request whose bytes do not parse as `method`'s request
// message: INVALID_ARGUMENT, reason MALFORMED_REQUEST (see
// serving/malformed_request.h, which sends it instead of gRPC's INTERNAL).
grpc::Status MalformedRequestStatus(const std::string& method);

// What `status` costs in a response's metadata as HTTP/2 accounts it (name +
// value + 32 per entry): grpc-message percent-encoded, grpc-status-details-bin
// base64-encoded. The client's limit is 8192 for all metadata together.
size_t ErrorMetadataBytes(const grpc::Status& status);

// The bound ToGrpcStatus keeps ErrorMetadataBytes() within: 6 KiB, leaving room
// for :status, content-type, grpc-status and proxies' own headers.
inline constexpr size_t kMaxErrorMetadataBytes = 6 * size_t{1024};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_GRPC_STATUS_H_
