#ifndef CLIENT_ERROR_REASON_H_
#define CLIENT_ERROR_REASON_H_

#include "errors/error_status.h"

namespace dbs::client {

// Errors from InstanceServiceClient are absl::Status values with the canonical
// code the server sent and, as payloads, the server's google.rpc error details:
// the google.rpc.ErrorInfo (reason, metadata) and, for INVALID_ARGUMENT, the
// google.rpc.BadRequest field violations. They are the repository's one error
// vocabulary (errors/error_status.h), so the same functions read them in a
// consumer, in the fake and in the server. Branch on the reason, never on the
// message text:
//
//   auto pool = client.IncrementInstanceCount(id);
//   if (!pool.ok() && dbs::client::ReasonOf(pool.status()) == instance::v1::DB_SERVER_FULL) {
//     ...
//   }
//
// Reasons are values of the generated enum instance.v1.ErrorReason
// (error_reason.proto); ReasonOf() is ERROR_REASON_UNSPECIFIED for an error that
// carries none (one gRPC made itself, such as a connection failure).
using errors::ErrorMetadata;
using errors::FieldViolation;
using errors::MakeError;  // for fakes and mocks in consumers' tests
using errors::MetadataOf;
using errors::ReasonNameOf;
using errors::ReasonOf;
using errors::RetryDelayOf;
using errors::ViolationsOf;

}  // namespace dbs::client

#endif  // CLIENT_ERROR_REASON_H_
