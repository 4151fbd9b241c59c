// The SQLSTATE -> absl::StatusCode table (pq/sqlstate.h).
#include <catch2/catch.hpp>

#include "instance_service/repository/error_reason.h"
#include "pq/sqlstate.h"

using dbs::instance::ReasonOf;
using dbs::pq::StatusFromSqlState;

namespace {

std::string Mapped(const char* sqlstate) {
  const absl::Status status = StatusFromSqlState(sqlstate, "ctx", "message");
  return absl::StatusCodeToString(status.code()) + " " + ReasonOf(status);
}

}  // namespace

TEST_CASE("constraint violations keep their code and leave the reason to the caller") {
  CHECK(Mapped("23505") == "ALREADY_EXISTS ");
  CHECK(Mapped("23503") == "FAILED_PRECONDITION ");
  CHECK(Mapped("23514") == "FAILED_PRECONDITION ");
  CHECK(Mapped("22P02") == "INVALID_ARGUMENT ");
}

TEST_CASE("timeouts are DEADLINE_EXCEEDED QUERY_TIMEOUT") {
  CHECK(Mapped("57014") == "DEADLINE_EXCEEDED QUERY_TIMEOUT");
  CHECK(Mapped("55P03") == "DEADLINE_EXCEEDED QUERY_TIMEOUT");
}

TEST_CASE("connection loss and server shutdown are UNAVAILABLE DATABASE_UNAVAILABLE") {
  for (const char* sqlstate : {"08000", "08006", "08P01", "57P01", "57P02", "57P03", "53300"}) {
    CHECK(Mapped(sqlstate) == "UNAVAILABLE DATABASE_UNAVAILABLE");
  }
}

TEST_CASE("serialization failures and deadlocks are ABORTED and marked transient") {
  for (const char* sqlstate : {"40001", "40P01"}) {
    const absl::Status status = StatusFromSqlState(sqlstate, "ctx", "message");
    CHECK(status.code() == absl::StatusCode::kAborted);
    CHECK(dbs::pq::IsTransientConflict(status));
  }
  CHECK_FALSE(dbs::pq::IsTransientConflict(StatusFromSqlState("23505", "c", "m")));
}

TEST_CASE("anything else is INTERNAL INTERNAL_ERROR, with the SQLSTATE and constraint attached") {
  const absl::Status status = StatusFromSqlState("42703", "read", "column does not exist", "c1");
  CHECK(Mapped("42703") == "INTERNAL INTERNAL_ERROR");
  CHECK(Mapped("XX000") == "INTERNAL INTERNAL_ERROR");
  CHECK(status.message() == "read: column does not exist (SQLSTATE 42703)");
  CHECK(dbs::pq::SqlStateOf(status) == "42703");
  CHECK(dbs::pq::ConstraintOf(status) == "c1");
}
