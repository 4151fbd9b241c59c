#include "instance_service/repository/db_server_errors.h"

#include "absl/strings/str_cat.h"
#include "errors/error_status.h"

namespace dbs::instance {
namespace {

namespace v1 = ::instance::v1;
using absl::StatusCode;
using errors::MakeError;

}  // namespace

absl::Status DbServerNotFound(absl::string_view id) {
  return MakeError(StatusCode::kNotFound, absl::StrCat("db server ", id, " does not exist"),
                   v1::DB_SERVER_NOT_FOUND);
}

absl::Status DisplayNameTaken(absl::string_view display_name) {
  return MakeError(StatusCode::kAlreadyExists,
                   absl::StrCat("display_name \"", display_name, "\" is already taken"),
                   v1::DISPLAY_NAME_TAKEN);
}

absl::Status EtagMismatch() {
  return MakeError(StatusCode::kAborted, "the etag does not match; re-read the db server and retry",
                   v1::ETAG_MISMATCH);
}

absl::Status DbServerInUse(absl::string_view id) {
  return MakeError(StatusCode::kFailedPrecondition,
                   absl::StrCat("db server ", id, " still hosts instances"), v1::DB_SERVER_IN_USE);
}

absl::Status DbServerNotActive(absl::string_view id, DbServerState state) {
  return MakeError(StatusCode::kFailedPrecondition,
                   absl::StrCat("db server ", id, " is ", StateName(state), ", not STATE_ACTIVE"),
                   v1::DB_SERVER_NOT_ACTIVE, {{"state", StateName(state)}});
}

absl::Status DbServerFull(absl::string_view id, int32_t instance_count, int32_t max_instances) {
  return MakeError(
      StatusCode::kFailedPrecondition,
      absl::StrCat("db server ", id, " is full (", instance_count, " of ", max_instances, ")"),
      v1::DB_SERVER_FULL,
      {{"instance_count", absl::StrCat(instance_count)},
       {"max_instances", absl::StrCat(max_instances)}});
}

absl::Status DbServerEmpty(absl::string_view id) {
  return MakeError(StatusCode::kFailedPrecondition,
                   absl::StrCat("db server ", id, " has no instances to release"),
                   v1::DB_SERVER_EMPTY);
}

absl::Status CapacityBelowCount(int32_t instance_count, int32_t max_instances) {
  return MakeError(StatusCode::kFailedPrecondition,
                   absl::StrCat("max_instances ", max_instances,
                                " is below the current instance_count ", instance_count),
                   v1::CAPACITY_BELOW_COUNT,
                   {{"instance_count", absl::StrCat(instance_count)},
                    {"max_instances", absl::StrCat(max_instances)}});
}

absl::Status NoAvailableDbServer(absl::string_view server_type) {
  return MakeError(
      StatusCode::kNotFound,
      absl::StrCat("no ACTIVE, HEALTHY db server of type \"", server_type, "\" has a free slot"),
      v1::NO_AVAILABLE_DB_SERVER);
}

absl::Status NoCapacity(absl::string_view server_type) {
  return MakeError(
      StatusCode::kResourceExhausted,
      absl::StrCat("no ACTIVE, HEALTHY db server of type \"", server_type, "\" has a free slot"),
      v1::NO_CAPACITY);
}

absl::Status RequestIdReused() {
  return errors::InvalidArgument(
      v1::REQUEST_ID_REUSED,
      {{"request_id",
        "was already used for a different request (another method, resource or payload); "
        "use a fresh UUID per operation"}});
}

absl::Status RequestIdNotUuid() {
  return errors::InvalidArgument(v1::INVALID_FIELD, {{"request_id", "must be a UUID"}});
}

absl::Status CallDeadlineExceeded() {
  return MakeError(StatusCode::kDeadlineExceeded, "the call's deadline passed", v1::QUERY_TIMEOUT);
}

absl::Status RepositoryInternal(absl::string_view message) {
  return MakeError(StatusCode::kInternal, message, v1::INTERNAL_ERROR);
}

}  // namespace dbs::instance
