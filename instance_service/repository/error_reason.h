#ifndef INSTANCE_SERVICE_REPOSITORY_ERROR_REASON_H_
#define INSTANCE_SERVICE_REPOSITORY_ERROR_REASON_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::instance {

// Below the RPC edge an error's instance.v1.ErrorReason travels as an absl::Status
// payload, so the layer that knows *why* (the repository, the pool) names it and
// the gRPC edge turns it into google.rpc.ErrorInfo without guessing from codes.
// `reason` is the ErrorReason value name, e.g. "DB_SERVER_FULL".
absl::Status WithReason(absl::Status status, absl::string_view reason);

// Convenience: a status with `code`, `message` and `reason`.
absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view message,
                             absl::string_view reason);

// The reason attached by WithReason(), or "" when none was.
std::string ReasonOf(const absl::Status& status);

// Adds google.rpc.ErrorInfo metadata entries (e.g. {"id", "..."}) to an error, for
// the gRPC edge to send next to the reason. A later entry with the same key wins.
// No-op on OK.
absl::Status WithErrorMetadata(absl::Status status,
                               const std::vector<std::pair<std::string, std::string>>& metadata);

// The metadata attached by WithErrorMetadata(), by key.
std::map<std::string, std::string> ErrorMetadataOf(const absl::Status& status);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_ERROR_REASON_H_
