#ifndef INSTANCE_SERVICE_REPOSITORY_DB_SERVER_ERRORS_H_
#define INSTANCE_SERVICE_REPOSITORY_DB_SERVER_ERRORS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "instance_service/repository/db_server_record.h"

namespace dbs::instance {

// The errors a DbServerRepository answers (db_server_repository.h), built once for
// every implementation, so the PostgreSQL and the in-memory repository say the same
// thing in the same words. Each carries its instance.v1.ErrorReason and the
// ErrorInfo metadata only the row knows; callers add `id` / `server_type`.

// NOT_FOUND DB_SERVER_NOT_FOUND.
absl::Status DbServerNotFound(absl::string_view id);
// ALREADY_EXISTS DISPLAY_NAME_TAKEN.
absl::Status DisplayNameTaken(absl::string_view display_name);
// ABORTED ETAG_MISMATCH.
absl::Status EtagMismatch();
// FAILED_PRECONDITION DB_SERVER_IN_USE.
absl::Status DbServerInUse(absl::string_view id);
// FAILED_PRECONDITION DB_SERVER_NOT_ACTIVE, metadata {state}.
absl::Status DbServerNotActive(absl::string_view id, DbServerState state);
// FAILED_PRECONDITION DB_SERVER_FULL, metadata {instance_count, max_instances}.
absl::Status DbServerFull(absl::string_view id, int32_t instance_count, int32_t max_instances);
// FAILED_PRECONDITION DB_SERVER_EMPTY.
absl::Status DbServerEmpty(absl::string_view id);
// FAILED_PRECONDITION CAPACITY_BELOW_COUNT, metadata {instance_count, max_instances}.
absl::Status CapacityBelowCount(int32_t instance_count, int32_t max_instances);
// NOT_FOUND NO_AVAILABLE_DB_SERVER (FindAvailable) or RESOURCE_EXHAUSTED
// NO_CAPACITY (Allocate).
absl::Status NoAvailableDbServer(absl::string_view server_type);
absl::Status NoCapacity(absl::string_view server_type);
// INVALID_ARGUMENT REQUEST_ID_REUSED, with a BadRequest violation on `request_id`.
absl::Status RequestIdReused();
// INVALID_ARGUMENT INVALID_FIELD on `request_id`: not a UUID.
absl::Status RequestIdNotUuid();
// DEADLINE_EXCEEDED QUERY_TIMEOUT: the call's deadline passed; nothing was done.
absl::Status CallDeadlineExceeded();
// INTERNAL INTERNAL_ERROR.
absl::Status RepositoryInternal(absl::string_view message);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_DB_SERVER_ERRORS_H_
