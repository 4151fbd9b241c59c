#include "pq/pg_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "pq/sqlstate.h"

namespace dbs::pq {
namespace {

// Process-internal payloads: errors/grpc_status.h never sends them.
constexpr absl::string_view kKindPayload = "dbs.pq/kind";
constexpr absl::string_view kSqlStatePayload = "dbs.pq/sqlstate";
constexpr absl::string_view kConstraintPayload = "dbs.pq/constraint";

constexpr PgErrorKind kKinds[] = {PgErrorKind::kConnect,
                                  PgErrorKind::kConnectionLost,
                                  PgErrorKind::kPoolExhausted,
                                  PgErrorKind::kDeadline,
                                  PgErrorKind::kStalePreparedStatement,
                                  PgErrorKind::kConflict,
                                  PgErrorKind::kServer,
                                  PgErrorKind::kInternal};

std::string PayloadOf(const absl::Status& status, absl::string_view key) {
  auto payload = status.GetPayload(key);  // absl::optional in Debian's abseil
  return payload.has_value() ? std::string(*payload) : std::string();
}

absl::Status WithKind(absl::Status status, PgErrorKind kind) {
  status.SetPayload(kKindPayload, absl::Cord(ErrorKindName(kind)));
  return status;
}

}  // namespace

absl::string_view ErrorKindName(PgErrorKind kind) {
  switch (kind) {
    case PgErrorKind::kNone:
      return "none";
    case PgErrorKind::kConnect:
      return "connect";
    case PgErrorKind::kConnectionLost:
      return "connection_lost";
    case PgErrorKind::kPoolExhausted:
      return "pool_exhausted";
    case PgErrorKind::kDeadline:
      return "deadline";
    case PgErrorKind::kStalePreparedStatement:
      return "stale_prepared_statement";
    case PgErrorKind::kConflict:
      return "conflict";
    case PgErrorKind::kServer:
      return "server";
    case PgErrorKind::kInternal:
      return "internal";
  }
  return "none";
}

PgErrorKind ErrorKindOf(const absl::Status& status) {
  const std::string name = PayloadOf(status, kKindPayload);
  for (PgErrorKind kind : kKinds) {
    if (name == ErrorKindName(kind)) return kind;
  }
  return PgErrorKind::kNone;
}

absl::Status ServerError(absl::string_view sqlstate, absl::string_view context,
                         absl::string_view server_message, absl::string_view constraint) {
  absl::Status status(CodeForSqlState(sqlstate),
                      absl::StrCat(context, ": ", server_message, " (SQLSTATE ", sqlstate, ")"));
  status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate));
  if (!constraint.empty()) status.SetPayload(kConstraintPayload, absl::Cord(constraint));
  return WithKind(std::move(status), PgErrorKind::kServer);
}

absl::Status PgError(PgErrorKind kind, absl::StatusCode code, absl::string_view context,
                     absl::string_view what) {
  return WithKind(absl::Status(code, absl::StrCat(context, ": ", what)), kind);
}

absl::Status ConnectionLostError(absl::string_view context) {
  return PgError(PgErrorKind::kConnectionLost, absl::StatusCode::kUnavailable, context,
                 "the database is unreachable");
}

absl::Status DeadlineError(absl::string_view context) {
  return PgError(PgErrorKind::kDeadline, absl::StatusCode::kDeadlineExceeded, context,
                 "the call's deadline passed");
}

absl::Status StalePreparedStatementError(absl::string_view context) {
  absl::Status status =
      PgError(PgErrorKind::kStalePreparedStatement, absl::StatusCode::kUnavailable, context,
              "the table changed under a prepared statement (SQLSTATE 0A000); reconnecting, retry");
  status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate::kFeatureNotSupported));
  return status;
}

std::string SqlStateOf(const absl::Status& status) { return PayloadOf(status, kSqlStatePayload); }

std::string ConstraintOf(const absl::Status& status) {
  return PayloadOf(status, kConstraintPayload);
}

bool IsStalePreparedStatement(const absl::Status& status) {
  return ErrorKindOf(status) == PgErrorKind::kStalePreparedStatement;
}

bool IsTransientConflict(const absl::Status& status) {
  const std::string state = SqlStateOf(status);
  return state == sqlstate::kSerializationFailure || state == sqlstate::kDeadlockDetected;
}

}  // namespace dbs::pq
