#ifndef INSTANCE_SERVICE_SERVICE_FIELD_VIOLATION_H_
#define INSTANCE_SERVICE_SERVICE_FIELD_VIOLATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::instance {

// One broken rule of one request field, as google.rpc.BadRequest.FieldViolation
// sends it: `field` is the path in the request ("db_server.port",
// "db_server.labels[\"Zone\"]"), `description` the rule it broke, for engineers
// ("must be between 1 and 65535, got 70000").
struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT carrying `reason` (an instance.v1.ErrorReason name such as
// "INVALID_FIELD") and every violation, which the gRPC edge sends as
// google.rpc.BadRequest. The message names the fields, so a plain client that
// ignores details still sees them. Precondition: !violations.empty().
absl::Status InvalidArgument(absl::string_view reason, std::vector<FieldViolation> violations);

// The violations carried by a status built by InvalidArgument(); empty otherwise.
std::vector<FieldViolation> ViolationsOf(const absl::Status& status);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_FIELD_VIOLATION_H_
