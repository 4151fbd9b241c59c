#include "instance_service/repository/postgres_db_server_repository.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "identity/uuid.h"
#include "instance_service/repository/db_server_errors.h"
#include "instance_service/repository/db_server_row_codec.h"
#include "instance_service/repository/db_server_statements.h"
#include "instance_service/repository/json_object.h"
#include "pq/pg_error.h"
#include "pq/pg_result.h"
#include "pq/sqlstate.h"

namespace dbs::instance {
namespace {

namespace v1 = ::instance::v1;
using errors::MakeError;
using pq::PgConnection;
using pq::PgParam;
using pq::PgQuery;
using pq::PgResult;
using pq::PgStatement;
using namespace statements;  // NOLINT: the statements of this file, by name

bool IsCombinable(const PgStatement& statement) {
  return std::find(std::begin(kCombinable), std::end(kCombinable), &statement) !=
         std::end(kCombinable);
}

// How often a write runs when it keeps losing races (a row changed between the
// refused write and the read that was to explain it).
constexpr int kMaxWriteAttempts = 3;

absl::Status Internal(absl::string_view message) { return RepositoryInternal(message); }

absl::Status NotFound(const std::string& id) { return DbServerNotFound(id); }

absl::Status LostRaces() {
  return MakeError(absl::StatusCode::kUnavailable,
                   "the write kept conflicting with concurrent ones; retry with backoff",
                   v1::SERVER_OVERLOADED);
}

// Every error leaves the repository with an API reason. pq/ names none: its kinds
// are mapped here, the one place that knows both vocabularies. Refusals nobody
// explained (a constraint nobody expected, a missing privilege) become INTERNAL:
// the caller did nothing wrong.
absl::Status Finish(absl::Status status) {
  if (status.ok() || errors::ReasonOf(status) != v1::ERROR_REASON_UNSPECIFIED) return status;
  switch (pq::ErrorKindOf(status)) {
    case pq::PgErrorKind::kPoolExhausted:
    case pq::PgErrorKind::kConflict:
      return MakeError(absl::StatusCode::kUnavailable, status.message(), v1::SERVER_OVERLOADED);
    case pq::PgErrorKind::kConnect:
    case pq::PgErrorKind::kConnectionLost:
    case pq::PgErrorKind::kStalePreparedStatement:
      return MakeError(absl::StatusCode::kUnavailable, status.message(), v1::DATABASE_UNAVAILABLE);
    case pq::PgErrorKind::kDeadline:
      return MakeError(absl::StatusCode::kDeadlineExceeded, status.message(), v1::QUERY_TIMEOUT);
    case pq::PgErrorKind::kServer:
      // statement_timeout (57014) and a server going away (08xxx, 57P0x, 53xxx).
      if (absl::IsDeadlineExceeded(status)) {
        return MakeError(absl::StatusCode::kDeadlineExceeded, status.message(), v1::QUERY_TIMEOUT);
      }
      if (absl::IsUnavailable(status)) {
        return MakeError(absl::StatusCode::kUnavailable, status.message(),
                         v1::DATABASE_UNAVAILABLE);
      }
      break;
    case pq::PgErrorKind::kNone:
    case pq::PgErrorKind::kInternal:
      break;
  }
  return Internal(status.message());
}

// CHECK violations on Create/Update: the service layer validates first, so these
// are races or gaps in validation.
absl::Status FromCheckViolation(const absl::Status& status) {
  if (pq::SqlStateOf(status) != pq::sqlstate::kCheckViolation) return status;
  if (pq::ConstraintOf(status) == "db_servers_instance_count_check") {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     "max_instances cannot go below instance_count", v1::CAPACITY_BELOW_COUNT);
  }
  return MakeError(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("value rejected by ", pq::ConstraintOf(status)), v1::INVALID_FIELD);
}

// A write the database refused for what the row holds (integrity, class 23), as
// opposed to a failure of the call itself (connection, deadline, bug).
bool IsRefusal(const absl::Status& status) {
  return absl::StartsWith(pq::SqlStateOf(status), pq::sqlstate::kClassIntegrityConstraintViolation);
}

absl::StatusOr<DbServerRecord> ParseRecord(const PgResult& result, int row, int first) {
  const auto text = [&](int column) { return result.Text(row, first + column); };
  const auto number = [&](int column) { return result.Int64(row, first + column); };
  DbServerRecord record;
  record.id = std::string(text(0));
  record.display_name = std::string(text(1));
  record.host = std::string(text(2));
  record.port = static_cast<int32_t>(number(3));
  record.server_type = std::string(text(4));
  const auto state = StateFromText(text(5));
  const auto health = HealthFromText(text(6));
  if (!state || !health) return Internal("db_servers row holds an unknown state or health");
  record.state = *state;
  record.health = *health;
  record.health_message = std::string(text(7));
  if (!result.IsNull(row, first + 8))
    record.last_health_check_time = absl::FromUnixMicros(number(8));
  record.instance_count = static_cast<int32_t>(number(9));
  record.max_instances = static_cast<int32_t>(number(10));
  auto labels = ParseJsonObject(text(11));
  if (!labels.ok()) return Internal("db_servers row holds malformed labels");
  record.labels = *std::move(labels);
  record.create_time = absl::FromUnixMicros(number(12));
  record.update_time = absl::FromUnixMicros(number(13));
  record.version = number(14);
  return record;
}

// The single row of `result` (a statement selecting the columns above), or nullopt
// when it has none.
absl::StatusOr<std::optional<DbServerRecord>> SingleRow(const PgResult& result) {
  if (result.rows() == 0) return std::optional<DbServerRecord>();
  if (result.columns() != kColumnCount) return Internal("unexpected db_servers column count");
  auto record = ParseRecord(result, 0, 0);
  if (!record.ok()) return record.status();
  return std::optional<DbServerRecord>(*std::move(record));
}

absl::Status CheckEtag(const DbServerRecord& row, std::optional<int64_t> expected_version) {
  if (!expected_version || row.version == *expected_version) return absl::OkStatus();
  return EtagMismatch();
}

PgParam OptionalText(const std::optional<std::string>& value) { return value; }
template <typename T>
PgParam OptionalNumber(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  return absl::StrCat(*value);
}

// A request id's ledger entry (kReadRequest).
struct LedgerEntry {
  std::string fingerprint;
  bool expired = false;
  // The stored answer: a row, or DbServerRecord() for a Delete.
  DbServerRecord answer;
};

// What a refused write's second round trip reads: the ledger entry of its request
// id and the row it names, each when there is one to read.
struct Diagnosis {
  std::optional<LedgerEntry> ledger;
  std::optional<DbServerRecord> row;
};

absl::StatusOr<Diagnosis> Diagnose(PgConnection& connection,
                                   const std::optional<RequestIdentity>& request,
                                   const std::string& id, absl::Time deadline) {
  std::vector<PgQuery> queries;
  if (request) queries.push_back({&kReadRequest, {request->request_id}});
  if (!id.empty()) queries.push_back({&kGet, {id}});
  Diagnosis diagnosis;
  if (queries.empty()) return diagnosis;
  auto results = connection.Pipeline(queries, deadline);
  if (!results.ok()) return results.status();
  size_t next = 0;
  if (request) {
    const PgResult& stored = (*results)[next++];
    if (stored.rows() == 1) {
      if (!stored.Bool(0, 1)) return Internal("request id row without a stored result");
      LedgerEntry entry;
      entry.fingerprint = stored.String(0, 0);
      entry.expired = stored.Bool(0, 2);
      if (!stored.IsNull(0, kLedgerColumns)) {  // NULL: a Delete's empty answer
        auto answer = ParseRecord(stored, 0, kLedgerColumns);
        if (!answer.ok()) return answer.status();
        entry.answer = *std::move(answer);
      }
      diagnosis.ledger = std::move(entry);
    }
  }
  if (!id.empty()) {
    auto row = SingleRow((*results)[next]);
    if (!row.ok()) return row.status();
    diagnosis.row = *std::move(row);
  }
  return diagnosis;
}

// The text of each term of one field, split by `=` and `!=`.
struct FieldTerms {
  std::set<std::string> equal;
  std::vector<std::string> not_equal;
};

}  // namespace

PostgresDbServerRepository::PostgresDbServerRepository(pq::PgPool* pool, pq::PgCombiner* combiner)
    : pool_(pool), combiner_(combiner) {}

absl::StatusOr<PgResult> PostgresDbServerRepository::RunOne(
    const PgStatement& statement, const std::vector<PgParam>& params, absl::Time deadline,
    std::optional<pq::PooledConnection>& connection) {
  if (combiner_ != nullptr && IsCombinable(statement)) {
    return combiner_->Run(statement, params, deadline);
  }
  if (!connection) {
    auto acquired = pool_->Acquire(deadline);
    if (!acquired.ok()) return acquired.status();
    connection.emplace(*std::move(acquired));
  }
  return (*connection)->Run(statement, params, deadline);
}

absl::StatusOr<PgResult> PostgresDbServerRepository::Read(const PgStatement& statement,
                                                          const std::vector<PgParam>& params,
                                                          const RepositoryCall& call,
                                                          bool custom_plan) {
  std::vector<PgQuery> queries;
  if (custom_plan) queries.push_back({&kForceCustomPlan, {}});
  queries.push_back({&statement, params});
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PgResult> result;
    if (custom_plan) {
      auto connection = pool_->Acquire(call.deadline);
      if (!connection.ok()) return Finish(connection.status());
      auto results = (*connection)->Pipeline(queries, call.deadline);
      result = results.ok() ? absl::StatusOr<PgResult>(std::move(results->back()))
                            : absl::StatusOr<PgResult>(results.status());
    } else {
      std::optional<pq::PooledConnection> connection;
      result = RunOne(statement, params, call.deadline, connection);
    }
    if (result.ok()) return result;
    // A read is safe to repeat: once more when the connection was lost (a pooled one
    // may have died while idle: a server restart) or holds a statement DDL made stale.
    const bool repeatable = errors::ReasonOf(Finish(result.status())) == v1::DATABASE_UNAVAILABLE ||
                            pq::IsStalePreparedStatement(result.status());
    if (!repeatable || attempt > 1 || absl::Now() >= call.deadline) {
      return Finish(result.status());
    }
  }
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Write(
    std::initializer_list<const PgStatement*> statements, std::vector<PgParam> params,
    const std::optional<RequestIdentity>& request, const std::string& id,
    const RepositoryCall& call, const Explain& explain) {
  if (request && !identity::IsUuid(request->request_id)) {
    return RequestIdNotUuid();
  }
  params.push_back(request ? PgParam(request->request_id) : std::nullopt);
  params.push_back(request ? PgParam(request->fingerprint) : std::nullopt);
  for (int attempt = 1;; ++attempt) {
    if (attempt > kMaxWriteAttempts || (attempt > 1 && absl::Now() >= call.deadline)) {
      return LostRaces();
    }
    std::optional<pq::PooledConnection> connection;  // taken when first needed
    absl::Status failure;
    bool rerun = false;
    for (const PgStatement* statement : statements) {
      auto written = RunOne(*statement, params, call.deadline, connection);
      if (written.ok()) {
        auto row = SingleRow(*written);
        if (!row.ok()) return Finish(row.status());
        if (*row) return **std::move(row);
        continue;  // matched nothing: the next statement, or why
      }
      failure = written.status();
      // Nothing was done: a statement DDL made stale, or a deadlock victim.
      rerun = pq::IsStalePreparedStatement(failure) || pq::IsTransientConflict(failure);
      if (!rerun && !IsRefusal(failure)) return Finish(failure);
      break;
    }
    if (rerun) continue;

    // Refused. An earlier attempt of this very request may be why: replay it.
    if (!connection) {
      auto acquired = pool_->Acquire(call.deadline);
      if (!acquired.ok()) return Finish(acquired.status());
      connection.emplace(*std::move(acquired));
    }
    auto diagnosis = Diagnose(**connection, request, id, call.deadline);
    if (!diagnosis.ok()) return Finish(diagnosis.status());
    if (diagnosis->ledger) {
      const LedgerEntry& entry = *diagnosis->ledger;
      if (entry.expired) {  // outside the replay window: the id is free again
        auto forgotten =
            (*connection)->Run(kForgetExpiredRequest, {request->request_id}, call.deadline);
        if (!forgotten.ok()) return Finish(forgotten.status());
        continue;
      }
      if (entry.fingerprint != request->fingerprint) {
        return RequestIdReused();
      }
      return entry.answer;
    }
    // The ledger entry this write collided with is gone again (purged): rerun.
    if (pq::ConstraintOf(failure) == "request_ids_pkey") continue;
    auto answer = explain(**connection, failure, diagnosis->row);
    if (!answer.ok()) return Finish(answer.status());
    if (*answer) return **std::move(answer);
  }
}

absl::StatusOr<ListPage> PostgresDbServerRepository::List(const ListQuery& query,
                                                          const RepositoryCall& call) {
  if (query.page_size < 1) {
    return MakeError(absl::StatusCode::kInvalidArgument, "page_size must be positive",
                     v1::INVALID_FIELD);
  }
  FieldTerms fields[4];  // server_type, state, health, display_name
  std::map<std::string, std::string> labels;
  std::vector<std::string> not_labels;
  bool contradictory = false;  // two `=` terms that no row can both match
  for (const FilterTerm& term : query.terms) {
    std::string value = term.value;
    int slot = 0;
    switch (term.field) {
      case FilterField::kServerType:
        slot = 0;
        break;
      case FilterField::kState:
        slot = 1;
        value = StateToText(term.state);
        break;
      case FilterField::kHealth:
        slot = 2;
        value = HealthToText(term.health);
        break;
      case FilterField::kDisplayName:
        slot = 3;
        break;
      case FilterField::kLabel:
        if (term.negated) {
          not_labels.push_back(ToJsonObject({{term.label_key, value}}));
        } else if (auto [entry, added] = labels.emplace(term.label_key, value);
                   !added && entry->second != value) {
          contradictory = true;
        }
        continue;
    }
    if (term.negated) {
      fields[slot].not_equal.push_back(std::move(value));
    } else {
      fields[slot].equal.insert(std::move(value));
      contradictory |= fields[slot].equal.size() > 1;
    }
  }
  if (contradictory) return ListPage();

  const bool filtered = !query.terms.empty();
  std::vector<PgParam> params = {query.after_display_name.value_or("")};
  if (filtered) {
    for (const FieldTerms& field : fields) {
      params.push_back(field.equal.empty() ? PgParam() : PgParam(*field.equal.begin()));
      params.emplace_back(ToTextArrayLiteral(field.not_equal));
    }
    params.emplace_back(ToJsonObject(labels));
    params.emplace_back(ToTextArrayLiteral(not_labels));
  }
  params.emplace_back(absl::StrCat(query.page_size + 1));  // one extra row sets has_more

  auto rows = filtered ? Read(kListFiltered, params, call, /*custom_plan=*/true)
                       : Read(kList, params, call);
  if (!rows.ok()) return rows.status();
  if (rows->rows() > 0 && rows->columns() != kColumnCount) {
    return Internal("unexpected db_servers columns");
  }
  ListPage page;
  for (int row = 0; row < rows->rows(); ++row) {
    if (row == query.page_size) {
      page.has_more = true;
      break;
    }
    auto record = ParseRecord(*rows, row, 0);
    if (!record.ok()) return record.status();
    page.records.push_back(*std::move(record));
  }
  return page;
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Get(const std::string& id,
                                                               const RepositoryCall& call) {
  if (!identity::IsUuid(id)) return NotFound(id);
  auto result = Read(kGet, {id}, call);
  if (!result.ok()) return result.status();
  auto row = SingleRow(*result);
  if (!row.ok()) return row.status();
  if (!*row) return NotFound(id);
  return **std::move(row);
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Create(
    const NewDbServer& server, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  std::vector<PgParam> params = {server.display_name,
                                 server.host,
                                 absl::StrCat(server.port),
                                 server.server_type,
                                 absl::StrCat(server.max_instances),
                                 ToJsonObject(server.labels)};
  return Write(
      {&kCreate}, std::move(params), request, /*id=*/"", call,
      [&](PgConnection&, const absl::Status& failure,
          const std::optional<DbServerRecord>&) -> absl::StatusOr<std::optional<DbServerRecord>> {
        // db_servers_name_key: the legacy unique name, kept in step with
        // display_name by the expand trigger until the contract drops it.
        const std::string constraint = pq::ConstraintOf(failure);
        if (pq::SqlStateOf(failure) == pq::sqlstate::kUniqueViolation &&
            (constraint == "db_servers_display_name_key" || constraint == "db_servers_name_key")) {
          return DisplayNameTaken(server.display_name);
        }
        if (!failure.ok()) return FromCheckViolation(failure);
        return Internal("insert returned no row");
      });
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Update(
    const std::string& id, const DbServerChanges& changes, std::optional<int64_t> expected_version,
    const UpdateRules& rules, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  if (!identity::IsUuid(id)) return NotFound(id);
  PgParam checked_at;
  if (changes.last_health_check_time && *changes.last_health_check_time) {
    checked_at = ToUnixMicrosText(**changes.last_health_check_time);
  }
  std::vector<std::string> allowed_from;
  for (DbServerState state : rules.allowed_from) allowed_from.emplace_back(StateToText(state));
  if (rules.allowed_from.empty() && changes.state) {
    // No state rule: every state may change (the array lists them all).
    for (DbServerState state :
         {DbServerState::kProvisioning, DbServerState::kActive, DbServerState::kDraining,
          DbServerState::kMaintenance, DbServerState::kFailed}) {
      allowed_from.emplace_back(StateToText(state));
    }
  }
  std::vector<PgParam> params = {
      id,
      changes.state ? PgParam(StateToText(*changes.state)) : std::nullopt,
      changes.health ? PgParam(HealthToText(*changes.health)) : std::nullopt,
      OptionalText(changes.health_message),
      changes.last_health_check_time ? "true" : "false",
      checked_at,
      OptionalNumber(changes.max_instances),
      OptionalText(changes.host),
      OptionalNumber(changes.port),
      changes.labels ? PgParam(ToJsonObject(*changes.labels)) : std::nullopt,
      OptionalNumber(expected_version),
      ToTextArrayLiteral(allowed_from)};
  return Write(
      {&kUpdate}, std::move(params), request, id, call,
      [&](PgConnection&, const absl::Status& failure, const std::optional<DbServerRecord>& current)
          -> absl::StatusOr<std::optional<DbServerRecord>> {
        if (!current) return NotFound(id);
        if (absl::Status etag = CheckEtag(*current, expected_version); !etag.ok()) {
          return etag;
        }
        if (rules.explain) {
          if (absl::Status broken = rules.explain(*current); !broken.ok()) return broken;
        }
        if (!failure.ok()) return FromCheckViolation(failure);
        return std::nullopt;  // the row changed in between: run it again
      });
}

absl::Status PostgresDbServerRepository::Delete(const std::string& id,
                                                std::optional<int64_t> expected_version,
                                                bool allow_missing,
                                                const std::optional<RequestIdentity>& request,
                                                const RepositoryCall& call) {
  if (!identity::IsUuid(id)) return allow_missing ? absl::OkStatus() : NotFound(id);
  const auto in_use = [&] { return DbServerInUse(id); };
  return Write({&kDelete}, {id, OptionalNumber(expected_version)}, request, id, call,
               [&](PgConnection& connection, const absl::Status& failure,
                   const std::optional<DbServerRecord>& current)
                   -> absl::StatusOr<std::optional<DbServerRecord>> {
                 if (!current) {
                   if (allow_missing) return DbServerRecord();
                   return NotFound(id);
                 }
                 if (absl::Status etag = CheckEtag(*current, expected_version); !etag.ok()) {
                   return etag;
                 }
                 if (current->instance_count > 0 ||
                     pq::SqlStateOf(failure) == pq::sqlstate::kForeignKeyViolation) {
                   return in_use();
                 }
                 if (!failure.ok()) return failure;
                 auto referenced = connection.Run(kInstancesExist, {id}, call.deadline);
                 if (!referenced.ok()) return referenced.status();
                 if (referenced->Bool(0, 0)) return in_use();
                 return std::nullopt;
               })
      .status();
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::FindAvailable(
    const std::string& server_type, const RepositoryCall& call) {
  auto result = Read(kFindAvailable, {server_type}, call);
  if (!result.ok()) return result.status();
  auto row = SingleRow(*result);
  if (!row.ok()) return row.status();
  if (!*row) {
    return NoAvailableDbServer(server_type);
  }
  return **std::move(row);
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Increment(
    const std::string& id, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  if (!identity::IsUuid(id)) return NotFound(id);
  return Write(
      {&kIncrement}, {id}, request, id, call,
      [&](PgConnection&, const absl::Status& failure, const std::optional<DbServerRecord>& current)
          -> absl::StatusOr<std::optional<DbServerRecord>> {
        if (!current) return NotFound(id);
        if (!failure.ok()) return failure;
        if (current->state != DbServerState::kActive) {
          return DbServerNotActive(id, current->state);
        }
        if (current->instance_count >= current->max_instances) {
          return DbServerFull(id, current->instance_count, current->max_instances);
        }
        return std::nullopt;
      });
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Decrement(
    const std::string& id, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  if (!identity::IsUuid(id)) return NotFound(id);
  return Write(
      {&kDecrement}, {id}, request, id, call,
      [&](PgConnection&, const absl::Status& failure, const std::optional<DbServerRecord>& current)
          -> absl::StatusOr<std::optional<DbServerRecord>> {
        if (!current) return NotFound(id);
        if (!failure.ok()) return failure;
        if (current->instance_count <= 0) {
          return DbServerEmpty(id);
        }
        return std::nullopt;
      });
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Allocate(
    const std::string& server_type, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  return Write(
      {&kAllocateSkipLocked, &kAllocateWaiting}, {server_type}, request, /*id=*/"", call,
      [&](PgConnection&, const absl::Status& failure,
          const std::optional<DbServerRecord>&) -> absl::StatusOr<std::optional<DbServerRecord>> {
        if (!failure.ok()) return failure;
        return NoCapacity(server_type);
      });
}

absl::StatusOr<int64_t> PostgresDbServerRepository::PurgeExpiredRequestIds(
    const RepositoryCall& call) {
  auto connection = pool_->Acquire(call.deadline);
  if (!connection.ok()) return Finish(connection.status());
  auto result = (*connection)->Run(kPurgeRequests, {}, call.deadline);
  if (!result.ok()) return Finish(result.status());
  return result->AffectedRows();
}

}  // namespace dbs::instance
