#ifndef CLIENT_ERROR_REASON_H_
#define CLIENT_ERROR_REASON_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::client {

// Errors from InstanceServiceClient are absl::Status values with the canonical
// code the server sent and, as payloads, the server's google.rpc error details:
// the google.rpc.ErrorInfo (`reason`, `metadata`) and, for INVALID_ARGUMENT, the
// google.rpc.BadRequest field violations. Branch on ErrorReason(), never on the
// message text:
//
//   auto pool = client.IncrementInstanceCount(id);
//   if (!pool.ok() && ErrorReason(pool.status()) == "DB_SERVER_FULL") { ... }
//
// Reasons are the value names of instance.v1.ErrorReason (error_reason.proto).

// The ErrorInfo reason of `status` ("DB_SERVER_FULL", "ETAG_MISMATCH", ...), or ""
// when it carries none (OK, or an error made by gRPC itself such as a
// connection failure).
std::string ErrorReason(const absl::Status& status);

// The ErrorInfo metadata of `status` (e.g. {"id": ..., "max_instances": ...});
// empty when none.
std::map<std::string, std::string> ErrorMetadata(const absl::Status& status);

// One google.rpc.BadRequest.FieldViolation: the request field path and the rule
// it broke.
struct FieldViolation {
  std::string field;
  std::string description;
};

// The BadRequest violations of an INVALID_ARGUMENT `status`; empty otherwise.
std::vector<FieldViolation> FieldViolations(const absl::Status& status);

// Builds a status the way the client reports server errors: `code`, `message`,
// an ErrorInfo with `reason` (domain "instance.internal") and `metadata`, and
// the BadRequest `violations` when given. For fakes and mocks in consumers'
// tests, so their errors look exactly like real ones. `code` must not be kOk.
absl::Status MakeError(absl::StatusCode code, absl::string_view message, absl::string_view reason,
                       const std::map<std::string, std::string>& metadata = {},
                       const std::vector<FieldViolation>& violations = {});

}  // namespace dbs::client

#endif  // CLIENT_ERROR_REASON_H_
