#ifndef ERRORS_ERROR_STATUS_H_
#define ERRORS_ERROR_STATUS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "instance/v1/error_reason.pb.h"

namespace dbs::errors {

// The one error vocabulary of this repository: every error a service sends, and
// every error the client hands back, is an absl::Status with a canonical code and
// the google.rpc details of the contract (error_reason.proto), kept as payloads:
//
//   payload key (an Any type URL)               value
//   type.googleapis.com/google.rpc.ErrorInfo    serialized ErrorInfo: reason, domain, metadata
//   type.googleapis.com/google.rpc.BadRequest   serialized BadRequest: field violations
//   type.googleapis.com/google.rpc.RetryInfo    serialized RetryInfo: when to come back
//
// The reason is always a value of the generated enum instance.v1.ErrorReason,
// never a string literal: MakeError() writes ErrorReason_Name(reason), so a
// reason that is not in the catalogue does not compile. Layers below the API
// (pq/) name no reason; the layer that knows the API attaches one.
//
// The same encoding travels in both directions: ToGrpcStatus()/FromGrpcStatus()
// (grpc_status.h) only move these payloads in and out of grpc-status-details-bin.
//
//   return errors::MakeError(absl::StatusCode::kFailedPrecondition,
//                            "db server is full", instance::v1::DB_SERVER_FULL,
//                            {{"instance_count", "3"}, {"max_instances", "3"}});
//   ...
//   if (errors::ReasonOf(status) == instance::v1::DB_SERVER_FULL) { ... }
//
// Every function is pure and thread-safe; the payload work happens on error
// paths only.

using ::instance::v1::ErrorReason;

// google.rpc.ErrorInfo.domain of every instance.v1 error.
inline constexpr absl::string_view kErrorDomain = "instance.internal";

// The payload keys above.
inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kRetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";

// google.rpc.ErrorInfo.metadata: key -> value, e.g. {"id", "..."}.
using ErrorMetadata = std::map<std::string, std::string>;

// One broken rule of one request field, as google.rpc.BadRequest.FieldViolation
// sends it: `field` is the path in the request ("db_server.port",
// "db_server.labels[\"Zone\"]"), `description` the rule it broke, for engineers
// ("must be between 1 and 65535, got 70000").
struct FieldViolation {
  std::string field;
  std::string description;

  friend bool operator==(const FieldViolation& a, const FieldViolation& b) {
    return a.field == b.field && a.description == b.description;
  }
};

// An error with `code` (not kOk), `message`, and an ErrorInfo holding `reason`,
// `domain` and `metadata`.
absl::Status MakeError(absl::StatusCode code, absl::string_view message, ErrorReason reason,
                       const ErrorMetadata& metadata = {}, absl::string_view domain = kErrorDomain);

// INVALID_ARGUMENT with `reason` (INVALID_FIELD, INVALID_FILTER, ...) and every
// violation as a google.rpc.BadRequest. The message lists them ("field: rule;
// ..."), so a caller that ignores details still sees them. Precondition:
// !violations.empty().
absl::Status InvalidArgument(ErrorReason reason, std::vector<FieldViolation> violations);

// `status` with ErrorInfo metadata entries added (a later entry with the same key
// wins). A status without an ErrorInfo gets one with reason
// ERROR_REASON_UNSPECIFIED, so ToGrpcStatus's default reason still applies.
// No-op on OK.
absl::Status WithMetadata(absl::Status status, const ErrorMetadata& metadata);

// `status` with its message replaced by `message`, code and payloads kept: for
// adding context ("creating database x: ...") without losing the details.
absl::Status WithMessage(const absl::Status& status, absl::string_view message);

// `status` with a google.rpc.RetryInfo of `delay`. No-op on OK.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// The ErrorInfo reason of `status`, or ERROR_REASON_UNSPECIFIED when it carries
// none (OK, an error made by gRPC itself, a reason outside the catalogue).
ErrorReason ReasonOf(const absl::Status& status);

// The ErrorInfo reason as sent ("DB_SERVER_FULL"), or "" when there is none.
std::string ReasonNameOf(const absl::Status& status);

// The ErrorInfo domain, or "" when there is no ErrorInfo.
std::string DomainOf(const absl::Status& status);

// The ErrorInfo metadata; empty when none.
ErrorMetadata MetadataOf(const absl::Status& status);

// The BadRequest violations; empty when none.
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

// The RetryInfo delay, or zero when none.
absl::Duration RetryDelayOf(const absl::Status& status);

}  // namespace dbs::errors

#endif  // ERRORS_ERROR_STATUS_H_
