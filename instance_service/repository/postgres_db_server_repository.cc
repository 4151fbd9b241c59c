#include "instance_service/repository/postgres_db_server_repository.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "instance_service/repository/db_server_row_codec.h"
#include "instance_service/repository/error_reason.h"
#include "pq/pg_result.h"
#include "pq/pg_transaction.h"
#include "pq/sqlstate.h"

namespace dbs::instance {
namespace {

using pq::PgConnection;
using pq::PgParam;
using pq::PgResult;
using pq::PgStatement;

// The columns of one db server, in the order ParseRecord() reads them. Unqualified,
// so the same list reads db_servers, an UPDATE's RETURNING * and a replayed
// jsonb_to_record(). Labels come back as two aligned text[] (keys, values).
//
// Every column is cast to the type it has once fully migrated, so the result types
// of the prepared statements never depend on the table's history: on an adopted
// legacy table host and server_type are varchar(n) until the contract migration
// (0100) turns them into text, and PostgreSQL refuses to run a statement prepared
// before that on a connection still open after it ("cached plan must not change
// result type"). Keep these casts when adding columns or DDL that changes a type.
// For the same reason the replay (kReadRequest) spells out its row type instead of
// using the table's (jsonb_populate_record(NULL::db_servers, ...)): a plan keeps the
// table row type it was prepared with, and after the contract fails with 42804
// "attribute 3 of type record has wrong type".
#define DBS_DB_SERVER_COLUMNS                                                \
  "id::text, display_name::text, host::text, port::int, server_type::text, " \
  "state::text, health::text, health_message::text, "                        \
  "(extract(epoch FROM last_health_check_time) * 1000000)::bigint, "         \
  "instance_count::int, max_instances::int, "                                \
  "ARRAY(SELECT l.key FROM jsonb_each_text(labels) AS l ORDER BY l.key), "   \
  "ARRAY(SELECT l.value FROM jsonb_each_text(labels) AS l ORDER BY l.key), " \
  "(extract(epoch FROM create_time) * 1000000)::bigint, "                    \
  "(extract(epoch FROM update_time) * 1000000)::bigint, version::bigint"
constexpr int kColumnCount = 16;

// Eligible for FindAvailable/Allocate; must match db_servers_available_idx.
#define DBS_AVAILABLE_WHERE                                                            \
  "server_type = $1 AND state = 'ACTIVE' AND health = 'HEALTHY' AND instance_count < " \
  "max_instances"
#define DBS_LEAST_LOADED_ORDER "server_type, (instance_count::float8 / max_instances), id"
#define DBS_BUMP "version = version + 1, update_time = now()"

constexpr PgStatement kGet = {
    "db_servers_get", "SELECT " DBS_DB_SERVER_COLUMNS " FROM db_servers WHERE id = $1::uuid"};
constexpr PgStatement kGetForUpdate = {"db_servers_get_for_update",
                                       "SELECT " DBS_DB_SERVER_COLUMNS
                                       " FROM db_servers WHERE id = $1::uuid FOR UPDATE"};

// Filter terms arrive as arrays: `= ALL(empty)` and `<> ALL(empty)` are true, so an
// absent term costs nothing and the statement text never changes.
constexpr PgStatement kList = {
    "db_servers_list",
    "SELECT " DBS_DB_SERVER_COLUMNS
    " FROM db_servers"
    " WHERE ($1::text IS NULL OR display_name > $1::text)"
    " AND server_type = ALL($2::text[]) AND server_type <> ALL($3::text[])"
    " AND state = ALL($4::text[]) AND state <> ALL($5::text[])"
    " AND health = ALL($6::text[]) AND health <> ALL($7::text[])"
    " AND display_name = ALL($8::text[]) AND display_name <> ALL($9::text[])"
    " AND NOT EXISTS (SELECT 1 FROM unnest($10::text[], $11::text[]) AS t(key, value)"
    "                 WHERE labels ->> t.key IS DISTINCT FROM t.value)"
    " AND NOT EXISTS (SELECT 1 FROM unnest($12::text[], $13::text[]) AS t(key, value)"
    "                 WHERE labels ->> t.key = t.value)"
    " ORDER BY display_name LIMIT $14::int"};

constexpr PgStatement kCreate = {
    "db_servers_create",
    "WITH d AS (INSERT INTO db_servers"
    " (display_name, host, port, server_type, max_instances, labels)"
    " VALUES ($1, $2, $3::int, $4, $5::int, jsonb_object($6::text[], $7::text[]))"
    " RETURNING *) SELECT " DBS_DB_SERVER_COLUMNS " FROM d"};

// NULL parameters keep the column; $5/$10 say whether to write the nullable ones.
constexpr PgStatement kUpdate = {
    "db_servers_update",
    "WITH d AS (UPDATE db_servers SET"
    " state = COALESCE($2::text, state),"
    " health = COALESCE($3::text, health),"
    " health_message = COALESCE($4::text, health_message),"
    " last_health_check_time = CASE WHEN $5::bool"
    "   THEN 'epoch'::timestamptz + $6::bigint * interval '1 microsecond'"
    "   ELSE last_health_check_time END,"
    " max_instances = COALESCE($7::int, max_instances),"
    " host = COALESCE($8::text, host),"
    " port = COALESCE($9::int, port),"
    " labels = CASE WHEN $10::bool THEN jsonb_object($11::text[], $12::text[]) ELSE labels END,"
    " " DBS_BUMP " WHERE id = $1::uuid RETURNING *) SELECT " DBS_DB_SERVER_COLUMNS " FROM d"};

constexpr PgStatement kInstancesExist = {
    "instances_exist_on_db_server",
    "SELECT EXISTS (SELECT 1 FROM instances WHERE db_server_id = $1::uuid)"};
constexpr PgStatement kDelete = {"db_servers_delete", "DELETE FROM db_servers WHERE id = $1::uuid"};

constexpr PgStatement kFindAvailable = {"db_servers_find_available",
                                        "SELECT " DBS_DB_SERVER_COLUMNS
                                        " FROM db_servers WHERE " DBS_AVAILABLE_WHERE
                                        " ORDER BY " DBS_LEAST_LOADED_ORDER " LIMIT 1"};

// State and capacity are checked by the UPDATE itself: concurrent increments queue
// on the row lock and each re-evaluates the WHERE clause on the latest row.
constexpr PgStatement kIncrement = {
    "db_servers_increment",
    "WITH d AS (UPDATE db_servers SET instance_count = instance_count + 1, " DBS_BUMP
    " WHERE id = $1::uuid AND state = 'ACTIVE' AND instance_count < max_instances"
    " RETURNING *) SELECT " DBS_DB_SERVER_COLUMNS " FROM d"};
constexpr PgStatement kDecrement = {
    "db_servers_decrement",
    "WITH d AS (UPDATE db_servers SET instance_count = instance_count - 1, " DBS_BUMP
    " WHERE id = $1::uuid AND instance_count > 0"
    " RETURNING *) SELECT " DBS_DB_SERVER_COLUMNS " FROM d"};

// Find + increment in one statement. The outer WHERE repeats the eligibility test
// so that a row changed while we waited for its lock is re-checked.
#define DBS_ALLOCATE(lock_clause)                                                          \
  "WITH d AS (UPDATE db_servers SET instance_count = instance_count + 1, " DBS_BUMP        \
  " WHERE id = (SELECT id FROM db_servers WHERE " DBS_AVAILABLE_WHERE                      \
  " ORDER BY " DBS_LEAST_LOADED_ORDER " LIMIT 1 " lock_clause ") AND " DBS_AVAILABLE_WHERE \
  " RETURNING *) SELECT " DBS_DB_SERVER_COLUMNS " FROM d"
constexpr PgStatement kAllocateSkipLocked = {"db_servers_allocate_skip_locked",
                                             DBS_ALLOCATE("FOR UPDATE SKIP LOCKED")};
constexpr PgStatement kAllocateWaiting = {"db_servers_allocate_waiting",
                                          DBS_ALLOCATE("FOR UPDATE")};

// Idempotency. The claim inserts first, so a concurrent duplicate blocks on the
// primary key until the first transaction ends, then sees its row (or, if it
// rolled back, claims the id itself). An expired row is taken over.
constexpr PgStatement kClaimRequest = {
    "request_ids_claim",
    "INSERT INTO request_ids (request_id, fingerprint) VALUES ($1::uuid, $2)"
    " ON CONFLICT (request_id) DO UPDATE"
    " SET fingerprint = EXCLUDED.fingerprint, result = NULL, created_at = now()"
    " WHERE request_ids.created_at < now() - interval '24 hours'"
    " RETURNING true"};
constexpr PgStatement kReadRequest = {
    "request_ids_read",
    "SELECT r.fingerprint, r.result IS NOT NULL, " DBS_DB_SERVER_COLUMNS
    " FROM request_ids AS r"
    " LEFT JOIN LATERAL jsonb_to_record(r.result) AS d(id uuid, display_name text, host text,"
    " port int, server_type text, state text, health text, health_message text,"
    " last_health_check_time timestamptz, instance_count int, max_instances int, labels jsonb,"
    " create_time timestamptz, update_time timestamptz, version bigint) ON true"
    " WHERE r.request_id = $1::uuid"};
constexpr PgStatement kStoreRowResult = {
    "request_ids_store_row",
    "UPDATE request_ids SET result = (SELECT to_jsonb(s) FROM db_servers AS s"
    " WHERE s.id = $2::uuid) WHERE request_id = $1::uuid"};
constexpr PgStatement kStoreEmptyResult = {
    "request_ids_store_empty",
    "UPDATE request_ids SET result = '{}'::jsonb WHERE request_id = $1::uuid"};
constexpr PgStatement kPurgeRequests = {
    "request_ids_purge", "DELETE FROM request_ids WHERE created_at < now() - interval '24 hours'"};

#undef DBS_ALLOCATE
#undef DBS_BUMP
#undef DBS_LEAST_LOADED_ORDER
#undef DBS_AVAILABLE_WHERE
#undef DBS_DB_SERVER_COLUMNS

absl::Status Internal(absl::string_view message) {
  return ErrorWithReason(absl::StatusCode::kInternal, message, "INTERNAL_ERROR");
}

absl::Status NotFound(const std::string& id) {
  return ErrorWithReason(absl::StatusCode::kNotFound,
                         absl::StrCat("db server ", id, " does not exist"), "DB_SERVER_NOT_FOUND");
}

// Every error leaves the repository with a reason: those the lower layers could not
// name (a constraint nobody expected) become INTERNAL.
absl::Status Finish(absl::Status status) {
  if (status.ok() || !ReasonOf(status).empty()) return status;
  return Internal(status.message());
}
template <typename T>
absl::StatusOr<T> Finish(absl::StatusOr<T> result) {
  if (result.ok()) return result;
  return Finish(result.status());
}

// CHECK violations on Create/Update: the service layer validates first, so these
// are races or gaps in validation.
absl::Status FromCheckViolation(const absl::Status& status) {
  if (pq::SqlStateOf(status) != "23514") return status;
  if (pq::ConstraintOf(status) == "db_servers_instance_count_check") {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                           "max_instances cannot go below instance_count", "CAPACITY_BELOW_COUNT");
  }
  return ErrorWithReason(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("value rejected by ", pq::ConstraintOf(status)),
                         "INVALID_FIELD");
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
  auto keys = ParseTextArray(text(11));
  auto values = ParseTextArray(text(12));
  if (!keys.ok() || !values.ok() || keys->size() != values->size()) {
    return Internal("db_servers row holds malformed labels");
  }
  for (size_t i = 0; i < keys->size(); ++i) record.labels[(*keys)[i]] = (*values)[i];
  record.create_time = absl::FromUnixMicros(number(13));
  record.update_time = absl::FromUnixMicros(number(14));
  record.version = number(15);
  return record;
}

// Runs `statement` (one that selects DBS_DB_SERVER_COLUMNS) and returns its single
// row, or nullopt when it matched none. Errors pass through unchanged.
absl::StatusOr<std::optional<DbServerRecord>> QueryRow(PgConnection& connection,
                                                       const PgStatement& statement,
                                                       const std::vector<PgParam>& params) {
  auto result = connection.Execute(statement, params);
  if (!result.ok()) return result.status();
  if (result->rows() == 0) return std::optional<DbServerRecord>();
  if (result->columns() != kColumnCount) return Internal("unexpected db_servers column count");
  auto record = ParseRecord(*result, 0, 0);
  if (!record.ok()) return record.status();
  return std::optional<DbServerRecord>(*std::move(record));
}

// The row `id` read by `statement` (kGet, or kGetForUpdate to lock it); NOT_FOUND
// DB_SERVER_NOT_FOUND when there is none.
absl::StatusOr<DbServerRecord> RequireRow(PgConnection& connection, const PgStatement& statement,
                                          const std::string& id) {
  auto row = QueryRow(connection, statement, {id});
  if (!row.ok()) return row.status();
  if (!*row) return NotFound(id);
  return **std::move(row);
}

absl::Status CheckEtag(const DbServerRecord& row, std::optional<int64_t> expected_version) {
  if (!expected_version || row.version == *expected_version) return absl::OkStatus();
  return ErrorWithReason(absl::StatusCode::kAborted,
                         "the etag does not match; re-read the db server and retry",
                         "ETAG_MISMATCH");
}

void SplitLabels(const std::map<std::string, std::string>& labels, std::vector<std::string>* keys,
                 std::vector<std::string>* values) {
  for (const auto& [key, value] : labels) {
    keys->push_back(key);
    values->push_back(value);
  }
}

PgParam OptionalText(const std::optional<std::string>& value) { return value; }
template <typename T>
PgParam OptionalNumber(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  return absl::StrCat(*value);
}

}  // namespace

PostgresDbServerRepository::PostgresDbServerRepository(pq::PgPool* pool) : pool_(pool) {}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::ReadRow(const Effect& read,
                                                                   const CallOptions& call) {
  DbServerRecord out;
  pq::TransactionOptions options;
  options.read_only = true;
  absl::Status status =
      pq::RunInTransaction(*pool_, call.deadline, options, [&](PgConnection& connection) {
        auto record = read(connection);
        if (!record.ok()) return record.status();
        out = *std::move(record);
        return absl::OkStatus();
      });
  if (!status.ok()) return Finish(status);
  return out;
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::WriteOnce(
    const std::optional<RequestIdentity>& request, const CallOptions& call, const Effect& effect) {
  if (request && !IsUuid(request->request_id)) {
    return ErrorWithReason(absl::StatusCode::kInvalidArgument, "request_id is not a UUID",
                           "INVALID_FIELD");
  }
  DbServerRecord out;
  absl::Status status =
      pq::RunInTransaction(*pool_, call.deadline, {}, [&](PgConnection& connection) {
        if (request) {
          auto claimed =
              connection.Execute(kClaimRequest, {request->request_id, request->fingerprint});
          if (!claimed.ok()) return claimed.status();
          if (claimed->rows() == 0) {  // seen before, within the window: replay
            auto stored = connection.Execute(kReadRequest, {request->request_id});
            if (!stored.ok()) return stored.status();
            if (stored->rows() != 1 || !stored->Bool(0, 1)) {
              return Internal("request id row without a stored result");
            }
            if (stored->Text(0, 0) != request->fingerprint) {
              return ErrorWithReason(absl::StatusCode::kInvalidArgument,
                                     "request_id was already used for a different request",
                                     "REQUEST_ID_REUSED");
            }
            if (stored->IsNull(0, 2)) {  // a replayed Delete: no row to return
              out = DbServerRecord();
              return absl::OkStatus();
            }
            auto replayed = ParseRecord(*stored, 0, 2);
            if (!replayed.ok()) return replayed.status();
            out = *std::move(replayed);
            return absl::OkStatus();
          }
        }
        auto record = effect(connection);
        if (!record.ok()) return record.status();
        if (request) {
          auto stored =
              record->id.empty()
                  ? connection.Execute(kStoreEmptyResult, {request->request_id})
                  : connection.Execute(kStoreRowResult, {request->request_id, record->id});
          if (!stored.ok()) return stored.status();
        }
        out = *std::move(record);
        return absl::OkStatus();
      });
  if (!status.ok()) return Finish(status);
  return out;
}

absl::StatusOr<ListPage> PostgresDbServerRepository::List(const ListQuery& query,
                                                          const CallOptions& call) {
  if (query.page_size < 1) {
    return ErrorWithReason(absl::StatusCode::kInvalidArgument, "page_size must be positive",
                           "INVALID_FIELD");
  }
  // Two arrays per field: values that must match (=) and values that must not (!=).
  std::vector<std::string> equal[4], not_equal[4];
  std::vector<std::string> label_keys, label_values, not_label_keys, not_label_values;
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
        (term.negated ? not_label_keys : label_keys).push_back(term.label_key);
        (term.negated ? not_label_values : label_values).push_back(value);
        continue;
    }
    (term.negated ? not_equal : equal)[slot].push_back(std::move(value));
  }
  std::vector<PgParam> params = {query.after_display_name};
  for (int slot = 0; slot < 4; ++slot) {
    params.push_back(ToTextArrayLiteral(equal[slot]));
    params.push_back(ToTextArrayLiteral(not_equal[slot]));
  }
  params.push_back(ToTextArrayLiteral(label_keys));
  params.push_back(ToTextArrayLiteral(label_values));
  params.push_back(ToTextArrayLiteral(not_label_keys));
  params.push_back(ToTextArrayLiteral(not_label_values));
  params.push_back(absl::StrCat(query.page_size + 1));  // one extra row sets has_more

  ListPage page;
  pq::TransactionOptions options;
  options.read_only = true;
  absl::Status status =
      pq::RunInTransaction(*pool_, call.deadline, options, [&](PgConnection& connection) {
        page = ListPage();
        auto rows = connection.Execute(kList, params);
        if (!rows.ok()) return rows.status();
        if (rows->columns() != kColumnCount) return Internal("unexpected db_servers columns");
        for (int row = 0; row < rows->rows(); ++row) {
          if (row == query.page_size) {
            page.has_more = true;
            break;
          }
          auto record = ParseRecord(*rows, row, 0);
          if (!record.ok()) return record.status();
          page.records.push_back(*std::move(record));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return Finish(status);
  return page;
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Get(const std::string& id,
                                                               const CallOptions& call) {
  if (!IsUuid(id)) return NotFound(id);
  return ReadRow(
      [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
        return RequireRow(connection, kGet, id);
      },
      call);
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Create(
    const NewDbServer& server, const std::optional<RequestIdentity>& request,
    const CallOptions& call) {
  std::vector<std::string> keys, values;
  SplitLabels(server.labels, &keys, &values);
  const std::vector<PgParam> params = {server.display_name,
                                       server.host,
                                       absl::StrCat(server.port),
                                       server.server_type,
                                       absl::StrCat(server.max_instances),
                                       ToTextArrayLiteral(keys),
                                       ToTextArrayLiteral(values)};
  return WriteOnce(request, call, [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
    auto record = QueryRow(connection, kCreate, params);
    if (!record.ok()) {
      // db_servers_name_key: the legacy unique name, kept in step with display_name
      // by the expand trigger until the contract migration drops it.
      if (pq::SqlStateOf(record.status()) == "23505" &&
          (pq::ConstraintOf(record.status()) == "db_servers_display_name_key" ||
           pq::ConstraintOf(record.status()) == "db_servers_name_key")) {
        return ErrorWithReason(
            absl::StatusCode::kAlreadyExists,
            absl::StrCat("display_name \"", server.display_name, "\" is already taken"),
            "DISPLAY_NAME_TAKEN");
      }
      return FromCheckViolation(record.status());
    }
    if (!*record) return Internal("insert returned no row");
    return **std::move(record);
  });
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Update(
    const std::string& id, const DbServerChanges& changes, std::optional<int64_t> expected_version,
    const UpdatePrecondition& precondition, const std::optional<RequestIdentity>& request,
    const CallOptions& call) {
  if (!IsUuid(id)) return NotFound(id);
  std::vector<std::string> keys, values;
  if (changes.labels) SplitLabels(*changes.labels, &keys, &values);
  PgParam checked_at;
  if (changes.last_health_check_time && *changes.last_health_check_time) {
    checked_at = ToUnixMicrosText(**changes.last_health_check_time);
  }
  const std::vector<PgParam> params = {
      id,
      changes.state ? PgParam(StateToText(*changes.state)) : std::nullopt,
      changes.health ? PgParam(HealthToText(*changes.health)) : std::nullopt,
      OptionalText(changes.health_message),
      changes.last_health_check_time ? "true" : "false",
      checked_at,
      OptionalNumber(changes.max_instances),
      OptionalText(changes.host),
      OptionalNumber(changes.port),
      changes.labels ? "true" : "false",
      ToTextArrayLiteral(keys),
      ToTextArrayLiteral(values)};
  return WriteOnce(request, call, [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
    auto current = RequireRow(connection, kGetForUpdate, id);
    if (!current.ok()) return current.status();
    if (absl::Status etag = CheckEtag(*current, expected_version); !etag.ok()) return etag;
    if (precondition) {
      absl::Status allowed = precondition(*current);
      if (!allowed.ok()) return allowed;
    }
    auto record = QueryRow(connection, kUpdate, params);
    if (!record.ok()) return FromCheckViolation(record.status());
    if (!*record) return Internal("update of a locked row returned nothing");
    return **std::move(record);
  });
}

absl::Status PostgresDbServerRepository::Delete(const std::string& id,
                                                std::optional<int64_t> expected_version,
                                                bool allow_missing,
                                                const std::optional<RequestIdentity>& request,
                                                const CallOptions& call) {
  if (!IsUuid(id)) return allow_missing ? absl::OkStatus() : NotFound(id);
  const auto in_use = [&] {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                           absl::StrCat("db server ", id, " still hosts instances"),
                           "DB_SERVER_IN_USE");
  };
  auto deleted =
      WriteOnce(request, call, [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
        auto current = QueryRow(connection, kGetForUpdate, {id});
        if (!current.ok()) return current.status();
        if (!*current) {
          if (allow_missing) return DbServerRecord();
          return NotFound(id);
        }
        if (absl::Status etag = CheckEtag(**current, expected_version); !etag.ok()) return etag;
        if ((*current)->instance_count > 0) return in_use();
        // The row lock blocks new instances rows referencing it (their FK check
        // needs a KEY SHARE lock), so this answer holds until commit.
        auto referenced = connection.Execute(kInstancesExist, {id});
        if (!referenced.ok()) return referenced.status();
        if (referenced->Bool(0, 0)) return in_use();
        auto removed = connection.Execute(kDelete, {id});
        if (!removed.ok()) {
          if (pq::SqlStateOf(removed.status()) == "23503") return in_use();
          return removed.status();
        }
        return DbServerRecord();  // no row to return or store
      });
  return deleted.status();
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::FindAvailable(
    const std::string& server_type, const CallOptions& call) {
  return ReadRow(
      [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
        auto record = QueryRow(connection, kFindAvailable, {server_type});
        if (!record.ok()) return record.status();
        if (!*record) {
          return ErrorWithReason(absl::StatusCode::kNotFound,
                                 absl::StrCat("no ACTIVE, HEALTHY db server of type \"",
                                              server_type, "\" has a free slot"),
                                 "NO_AVAILABLE_DB_SERVER");
        }
        return **std::move(record);
      },
      call);
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Increment(
    const std::string& id, const std::optional<RequestIdentity>& request, const CallOptions& call) {
  if (!IsUuid(id)) return NotFound(id);
  return WriteOnce(request, call, [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
    auto record = QueryRow(connection, kIncrement, {id});
    if (!record.ok()) return record.status();
    if (*record) return **std::move(record);
    // Nothing changed: say why, from the row as it is now.
    auto current = RequireRow(connection, kGet, id);
    if (!current.ok()) return current.status();
    if (current->state != PoolState::kActive) {
      return WithErrorMetadata(
          ErrorWithReason(
              absl::StatusCode::kFailedPrecondition,
              absl::StrCat("db server ", id, " is ", StateToText(current->state), ", not ACTIVE"),
              "DB_SERVER_NOT_ACTIVE"),
          {{"state", StateToText(current->state)}});
    }
    return WithErrorMetadata(
        ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                        absl::StrCat("db server ", id, " is full (", current->instance_count,
                                     " of ", current->max_instances, ")"),
                        "DB_SERVER_FULL"),
        {{"instance_count", absl::StrCat(current->instance_count)},
         {"max_instances", absl::StrCat(current->max_instances)}});
  });
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Decrement(
    const std::string& id, const std::optional<RequestIdentity>& request, const CallOptions& call) {
  if (!IsUuid(id)) return NotFound(id);
  return WriteOnce(request, call, [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
    auto record = QueryRow(connection, kDecrement, {id});
    if (!record.ok()) return record.status();
    if (*record) return **std::move(record);
    auto current = RequireRow(connection, kGet, id);
    if (!current.ok()) return current.status();
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                           absl::StrCat("db server ", id, " has no instances to release"),
                           "DB_SERVER_EMPTY");
  });
}

absl::StatusOr<DbServerRecord> PostgresDbServerRepository::Allocate(
    const std::string& server_type, const std::optional<RequestIdentity>& request,
    const CallOptions& call) {
  return WriteOnce(request, call, [&](PgConnection& connection) -> absl::StatusOr<DbServerRecord> {
    // Skip rows other allocators hold; only if that finds nothing, wait once for
    // them, so a free slot behind a lock is never reported as no capacity.
    for (const PgStatement* statement : {&kAllocateSkipLocked, &kAllocateWaiting}) {
      auto record = QueryRow(connection, *statement, {server_type});
      if (!record.ok()) return record.status();
      if (*record) return **std::move(record);
    }
    return ErrorWithReason(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat("no ACTIVE, HEALTHY db server of type \"", server_type, "\" has a free slot"),
        "NO_CAPACITY");
  });
}

absl::StatusOr<int64_t> PostgresDbServerRepository::PurgeExpiredRequestIds(
    const CallOptions& call) {
  int64_t purged = 0;
  absl::Status status =
      pq::RunInTransaction(*pool_, call.deadline, {}, [&](PgConnection& connection) {
        auto result = connection.Execute(kPurgeRequests, {});
        if (!result.ok()) return result.status();
        purged = result->AffectedRows();
        return absl::OkStatus();
      });
  if (!status.ok()) return Finish(status);
  return purged;
}

}  // namespace dbs::instance
