#include "pq/sqlstate.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "instance_service/repository/error_reason.h"

namespace dbs::pq {
namespace {

constexpr absl::string_view kSqlStatePayload = "type.googleapis.com/instance.internal/sqlstate";
constexpr absl::string_view kConstraintPayload = "type.googleapis.com/instance.internal/constraint";

struct Mapping {
  absl::StatusCode code;
  absl::string_view reason;  // "" when only the caller can name it
};

Mapping MapSqlState(absl::string_view sqlstate) {
  using absl::StatusCode;
  if (sqlstate == "23505") return {StatusCode::kAlreadyExists, ""};
  if (sqlstate == "23503" || sqlstate == "23514") return {StatusCode::kFailedPrecondition, ""};
  if (absl::StartsWith(sqlstate, "22")) return {StatusCode::kInvalidArgument, ""};
  if (sqlstate == "57014" || sqlstate == "55P03") {
    return {StatusCode::kDeadlineExceeded, "QUERY_TIMEOUT"};
  }
  if (sqlstate == "40001" || sqlstate == "40P01") return {StatusCode::kAborted, ""};
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "53") || sqlstate == "57P01" ||
      sqlstate == "57P02" || sqlstate == "57P03") {
    return {StatusCode::kUnavailable, "DATABASE_UNAVAILABLE"};
  }
  return {StatusCode::kInternal, "INTERNAL_ERROR"};
}

std::string PayloadOf(const absl::Status& status, absl::string_view key) {
  auto payload = status.GetPayload(key);  // absl::optional in Debian's abseil
  return payload.has_value() ? std::string(*payload) : std::string();
}

}  // namespace

absl::Status StatusFromSqlState(absl::string_view sqlstate, absl::string_view context,
                                absl::string_view server_message, absl::string_view constraint) {
  const Mapping mapping = MapSqlState(sqlstate);
  absl::Status status(mapping.code,
                      absl::StrCat(context, ": ", server_message, " (SQLSTATE ", sqlstate, ")"));
  if (!mapping.reason.empty()) status = dbs::instance::WithReason(status, mapping.reason);
  status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate));
  if (!constraint.empty()) status.SetPayload(kConstraintPayload, absl::Cord(constraint));
  return status;
}

absl::Status ConnectionLostError(absl::string_view context) {
  return dbs::instance::ErrorWithReason(
      absl::StatusCode::kUnavailable,
      absl::StrCat(context, ": the instance database is unreachable"), "DATABASE_UNAVAILABLE");
}

absl::Status DeadlineError(absl::string_view context) {
  return dbs::instance::ErrorWithReason(absl::StatusCode::kDeadlineExceeded,
                                        absl::StrCat(context, ": the call's deadline passed"),
                                        "QUERY_TIMEOUT");
}

absl::Status StalePreparedStatementError(absl::string_view context) {
  absl::Status status = dbs::instance::ErrorWithReason(
      absl::StatusCode::kUnavailable,
      absl::StrCat(context,
                   ": the table changed under a prepared statement (SQLSTATE 0A000); "
                   "reconnecting, retry"),
      "DATABASE_UNAVAILABLE");
  status.SetPayload(kSqlStatePayload, absl::Cord("0A000"));
  return status;
}

bool IsStalePreparedStatement(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable && SqlStateOf(status) == "0A000";
}

std::string SqlStateOf(const absl::Status& status) { return PayloadOf(status, kSqlStatePayload); }

std::string ConstraintOf(const absl::Status& status) {
  return PayloadOf(status, kConstraintPayload);
}

bool IsTransientConflict(const absl::Status& status) {
  const std::string sqlstate = SqlStateOf(status);
  return sqlstate == "40001" || sqlstate == "40P01";
}

}  // namespace dbs::pq
