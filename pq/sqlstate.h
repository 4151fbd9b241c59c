#ifndef PQ_SQLSTATE_H_
#define PQ_SQLSTATE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::pq {

// The SQLSTATEs (PostgreSQL, Appendix A) this repository branches on, by name: no
// code compares a bare "23505".
namespace sqlstate {
inline constexpr absl::string_view kUniqueViolation = "23505";
inline constexpr absl::string_view kForeignKeyViolation = "23503";
inline constexpr absl::string_view kCheckViolation = "23514";
inline constexpr absl::string_view kQueryCanceled = "57014";  // statement_timeout too
inline constexpr absl::string_view kLockNotAvailable = "55P03";
inline constexpr absl::string_view kObjectInUse = "55006";
inline constexpr absl::string_view kSerializationFailure = "40001";
inline constexpr absl::string_view kDeadlockDetected = "40P01";
inline constexpr absl::string_view kFeatureNotSupported = "0A000";  // "cached plan must not
                                                                    // change result type"
inline constexpr absl::string_view kInsufficientPrivilege = "42501";
inline constexpr absl::string_view kDuplicateDatabase = "42P04";
inline constexpr absl::string_view kDuplicateObject = "42710";
inline constexpr absl::string_view kUndefinedObject = "42704";
inline constexpr absl::string_view kInvalidCatalogName = "3D000";  // no such database
inline constexpr absl::string_view kDependentObjectsStillExist = "2BP01";
inline constexpr absl::string_view kAdminShutdown = "57P01";
inline constexpr absl::string_view kCrashShutdown = "57P02";
inline constexpr absl::string_view kCannotConnectNow = "57P03";
// Classes: the first two characters.
inline constexpr absl::string_view kClassDataException = "22";
inline constexpr absl::string_view kClassIntegrityConstraintViolation = "23";
inline constexpr absl::string_view kClassInvalidAuthorization = "28";
inline constexpr absl::string_view kClassConnectionException = "08";
inline constexpr absl::string_view kClassInsufficientResources = "53";
}  // namespace sqlstate

// The one table from a SQLSTATE to a canonical code, for every user of this
// layer (instance-service's repository and migrations, database-service's pool
// administration). Codes say what the server's refusal means for any caller; what
// it means for an API is the caller's to decide (instance-service's repository
// answers INTERNAL for refusals it did not expect, whatever their code).
//
//   23505 unique_violation, 42P04 duplicate_database,
//   42710 duplicate_object                      ALREADY_EXISTS
//   23503 foreign_key, 23514 check violations,
//   55006 object_in_use,
//   2BP01 dependent_objects_still_exist         FAILED_PRECONDITION
//   22xxx data exceptions                       INVALID_ARGUMENT
//   3D000 invalid_catalog_name,
//   42704 undefined_object                      NOT_FOUND
//   42501 insufficient_privilege,
//   28xxx invalid authorization                 PERMISSION_DENIED
//   57014 query_canceled (statement_timeout),
//   55P03 lock_not_available                    DEADLINE_EXCEEDED
//   40001 serialization_failure,
//   40P01 deadlock_detected                     ABORTED (IsTransientConflict)
//   08xxx connection exceptions, 53xxx insufficient resources,
//   57P01..57P03 shutdown / cannot connect now  UNAVAILABLE
//   anything else                               INTERNAL
absl::StatusCode CodeForSqlState(absl::string_view sqlstate);

}  // namespace dbs::pq

#endif  // PQ_SQLSTATE_H_
