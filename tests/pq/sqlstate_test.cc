// The SQLSTATE -> absl::StatusCode table (pq/sqlstate.h) and pq's error kinds
// (pq/pg_error.h): pq names no API reason.
#include <catch2/catch.hpp>

#include "absl/strings/cord.h"
#include "pq/pg_error.h"
#include "pq/sqlstate.h"

namespace dbs::pq {
namespace {

using absl::StatusCode;

TEST_CASE("constraint violations and duplicates keep their meaning") {
  CHECK(CodeForSqlState(sqlstate::kUniqueViolation) == StatusCode::kAlreadyExists);
  CHECK(CodeForSqlState(sqlstate::kDuplicateDatabase) == StatusCode::kAlreadyExists);
  CHECK(CodeForSqlState(sqlstate::kDuplicateObject) == StatusCode::kAlreadyExists);
  CHECK(CodeForSqlState(sqlstate::kForeignKeyViolation) == StatusCode::kFailedPrecondition);
  CHECK(CodeForSqlState(sqlstate::kCheckViolation) == StatusCode::kFailedPrecondition);
  CHECK(CodeForSqlState(sqlstate::kObjectInUse) == StatusCode::kFailedPrecondition);
  CHECK(CodeForSqlState(sqlstate::kDependentObjectsStillExist) == StatusCode::kFailedPrecondition);
  CHECK(CodeForSqlState("22P02") == StatusCode::kInvalidArgument);
  CHECK(CodeForSqlState(sqlstate::kInvalidCatalogName) == StatusCode::kNotFound);
  CHECK(CodeForSqlState(sqlstate::kUndefinedObject) == StatusCode::kNotFound);
}

TEST_CASE("42501 and the 28 class are PERMISSION_DENIED for every user of the table") {
  CHECK(CodeForSqlState(sqlstate::kInsufficientPrivilege) == StatusCode::kPermissionDenied);
  CHECK(CodeForSqlState("28P01") == StatusCode::kPermissionDenied);
  CHECK(CodeForSqlState("28000") == StatusCode::kPermissionDenied);
}

TEST_CASE("timeouts are DEADLINE_EXCEEDED, conflicts ABORTED, outages UNAVAILABLE") {
  CHECK(CodeForSqlState(sqlstate::kQueryCanceled) == StatusCode::kDeadlineExceeded);
  CHECK(CodeForSqlState(sqlstate::kLockNotAvailable) == StatusCode::kDeadlineExceeded);
  CHECK(CodeForSqlState(sqlstate::kSerializationFailure) == StatusCode::kAborted);
  CHECK(CodeForSqlState(sqlstate::kDeadlockDetected) == StatusCode::kAborted);
  for (const char* state : {"08000", "08006", "08P01", "57P01", "57P02", "57P03", "53300"}) {
    CHECK(CodeForSqlState(state) == StatusCode::kUnavailable);
  }
  CHECK(CodeForSqlState("42703") == StatusCode::kInternal);
  CHECK(CodeForSqlState("XX000") == StatusCode::kInternal);
}

TEST_CASE("a server error carries its kind, SQLSTATE and constraint, and never an API reason") {
  const absl::Status status = ServerError("23505", "insert", "duplicate key", "t_pkey");
  CHECK(status.code() == StatusCode::kAlreadyExists);
  CHECK(status.message() == "insert: duplicate key (SQLSTATE 23505)");
  CHECK(ErrorKindOf(status) == PgErrorKind::kServer);
  CHECK(SqlStateOf(status) == sqlstate::kUniqueViolation);
  CHECK(ConstraintOf(status) == "t_pkey");
  int payloads = 0;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord&) {
    ++payloads;
    CHECK(url.substr(0, 7) == "dbs.pq/");
  });
  CHECK(payloads == 3);
}

TEST_CASE("serialization failures and deadlocks are transient conflicts") {
  CHECK(IsTransientConflict(ServerError(sqlstate::kSerializationFailure, "c", "m")));
  CHECK(IsTransientConflict(ServerError(sqlstate::kDeadlockDetected, "c", "m")));
  CHECK_FALSE(IsTransientConflict(ServerError(sqlstate::kUniqueViolation, "c", "m")));
}

TEST_CASE("the layer's own failures name their kind") {
  CHECK(ErrorKindOf(ConnectionLostError("read")) == PgErrorKind::kConnectionLost);
  CHECK(ConnectionLostError("read").code() == StatusCode::kUnavailable);
  CHECK(ErrorKindOf(DeadlineError("read")) == PgErrorKind::kDeadline);
  CHECK(DeadlineError("read").code() == StatusCode::kDeadlineExceeded);
  const absl::Status stale = StalePreparedStatementError("read");
  CHECK(IsStalePreparedStatement(stale));
  CHECK(stale.code() == StatusCode::kUnavailable);
  CHECK(SqlStateOf(stale) == sqlstate::kFeatureNotSupported);
  CHECK(ErrorKindOf(absl::UnavailableError("not ours")) == PgErrorKind::kNone);
  CHECK(ErrorKindName(PgErrorKind::kPoolExhausted) == "pool_exhausted");
}

}  // namespace
}  // namespace dbs::pq
