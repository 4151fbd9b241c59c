#include "pq/sqlstate.h"

#include "absl/strings/match.h"

namespace dbs::pq {

absl::StatusCode CodeForSqlState(absl::string_view state) {
  using absl::StatusCode;
  namespace s = sqlstate;
  const auto in_class = [state](absl::string_view prefix) {
    return absl::StartsWith(state, prefix);
  };
  if (state == s::kUniqueViolation || state == s::kDuplicateDatabase ||
      state == s::kDuplicateObject) {
    return StatusCode::kAlreadyExists;
  }
  if (state == s::kForeignKeyViolation || state == s::kCheckViolation || state == s::kObjectInUse ||
      state == s::kDependentObjectsStillExist) {
    return StatusCode::kFailedPrecondition;
  }
  if (in_class(s::kClassDataException)) return StatusCode::kInvalidArgument;
  if (state == s::kInvalidCatalogName || state == s::kUndefinedObject) {
    return StatusCode::kNotFound;
  }
  if (state == s::kInsufficientPrivilege || in_class(s::kClassInvalidAuthorization)) {
    return StatusCode::kPermissionDenied;
  }
  if (state == s::kQueryCanceled || state == s::kLockNotAvailable) {
    return StatusCode::kDeadlineExceeded;
  }
  if (state == s::kSerializationFailure || state == s::kDeadlockDetected) {
    return StatusCode::kAborted;
  }
  if (in_class(s::kClassConnectionException) || in_class(s::kClassInsufficientResources) ||
      state == s::kAdminShutdown || state == s::kCrashShutdown || state == s::kCannotConnectNow) {
    return StatusCode::kUnavailable;
  }
  return StatusCode::kInternal;
}

}  // namespace dbs::pq
