#ifndef INSTANCE_SERVICE_REPOSITORY_DB_SERVER_STATEMENTS_H_
#define INSTANCE_SERVICE_REPOSITORY_DB_SERVER_STATEMENTS_H_

#include "pq/pg_connection.h"

// Every SQL statement of PostgresDbServerRepository, as named prepared statements
// with `$n` parameters. Internal to the repository; a header of its own so that the
// query-plan tests (tests/instance_service/repository/query_plan_test.cc) EXPLAIN
// exactly these on a table of 100,000 pools, and see each one read a bounded number
// of index entries, never sort or scan the fleet.
namespace dbs::instance::statements {

// The columns of one db server, in the order ParseRecord() reads them. Unqualified,
// so the same list reads db_servers, an UPDATE's RETURNING * and a replayed
// jsonb_to_record(). Labels come back as the jsonb's text (json_object.h): one
// output call, where unnesting them would run a set-returning function per row.
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
//
// ORDER BY clauses name columns through the table (db_servers.id): a bare `id` would
// bind to the output column `id::text`, whose order no index has.
#define DBS_DB_SERVER_COLUMNS                                                \
  "id::text, display_name::text, host::text, port::int, server_type::text, " \
  "state::text, health::text, health_message::text, "                        \
  "(extract(epoch FROM last_health_check_time) * 1000000)::bigint, "         \
  "instance_count::int, max_instances::int, labels::text, "                  \
  "(extract(epoch FROM create_time) * 1000000)::bigint, "                    \
  "(extract(epoch FROM update_time) * 1000000)::bigint, version::bigint"
inline constexpr int kColumnCount = 15;

// Eligible for FindAvailable/Allocate; must match db_servers_available_idx, and so
// must the order, so that both read one index entry (plus the locked ones skipped).
#define DBS_AVAILABLE_WHERE                                                            \
  "server_type = $1 AND state = 'ACTIVE' AND health = 'HEALTHY' AND instance_count < " \
  "max_instances"
#define DBS_LEAST_LOADED_ORDER                                                               \
  "db_servers.server_type, (db_servers.instance_count::float8 / db_servers.max_instances), " \
  "db_servers.id"
#define DBS_BUMP "version = version + 1, update_time = now()"
// DBS_BUMP only when `changed` (a condition on the row before the write) holds.
#define DBS_BUMP_IF(changed)               \
  "version = version + CASE WHEN " changed \
  " THEN 1 ELSE 0 END, "                   \
  "update_time = CASE WHEN " changed " THEN now() ELSE update_time END"
// The request-id ledger of a write whose CTE `d` holds the written row: the
// answer, stored in the same statement, only when the write happened. $rid is the
// request_id (NULL: no ledger), $fp its fingerprint.
#define DBS_LEDGER(rid, fp, answer)                                                             \
  ", r AS (INSERT INTO request_ids (request_id, fingerprint, result) SELECT " rid "::uuid, " fp \
  ", " answer " FROM d WHERE " rid "::uuid IS NOT NULL)"

inline constexpr pq::PgStatement kGet = {
    "db_servers_get", "SELECT " DBS_DB_SERVER_COLUMNS " FROM db_servers WHERE id = $1::uuid"};

// Keyset pages in display_name order walk the display_name index from the last
// name seen ('' before the first page: names are never empty) and stop after
// $2 rows, whatever the size of the table.
inline constexpr pq::PgStatement kList = {"db_servers_list",
                                          "SELECT " DBS_DB_SERVER_COLUMNS
                                          " FROM db_servers WHERE display_name > $1::text"
                                          " ORDER BY db_servers.display_name LIMIT $2::int"};
// The same walk, testing each row against the filter: one parameter per field for
// `=` (NULL: no term) and an array for `!=`; labels by jsonb containment.
//
// Always planned with the filter's actual values (kForceCustomPlan, sent in the
// same pipeline): a generic plan cannot tell a filter matching half the fleet from
// one matching a handful, guesses the latter, and sorts the whole table.
inline constexpr pq::PgStatement kListFiltered = {
    "db_servers_list_filtered",
    "SELECT " DBS_DB_SERVER_COLUMNS
    " FROM db_servers WHERE display_name > $1::text"
    " AND ($2::text IS NULL OR server_type = $2::text) AND server_type <> ALL($3::text[])"
    " AND ($4::text IS NULL OR state = $4::text) AND state <> ALL($5::text[])"
    " AND ($6::text IS NULL OR health = $6::text) AND health <> ALL($7::text[])"
    " AND ($8::text IS NULL OR display_name = $8::text) AND display_name <> ALL($9::text[])"
    " AND labels @> $10::jsonb AND NOT (labels @> ANY($11::jsonb[]))"
    " ORDER BY db_servers.display_name LIMIT $12::int"};
// Transaction-local: the statements after it in the same pipeline get plans made
// for their parameter values.
inline constexpr pq::PgStatement kForceCustomPlan = {
    "force_custom_plan", "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"};

inline constexpr pq::PgStatement kFindAvailable = {"db_servers_find_available",
                                                   "SELECT " DBS_DB_SERVER_COLUMNS
                                                   " FROM db_servers WHERE " DBS_AVAILABLE_WHERE
                                                   " ORDER BY " DBS_LEAST_LOADED_ORDER " LIMIT 1"};

inline constexpr pq::PgStatement kCreate = {
    "db_servers_create",
    "WITH d AS (INSERT INTO db_servers"
    " (display_name, host, port, server_type, max_instances, labels)"
    " VALUES ($1, $2, $3::int, $4, $5::int, $6::jsonb) RETURNING *)" DBS_LEDGER(
        "$7", "$8", "to_jsonb(d)") " SELECT " DBS_DB_SERVER_COLUMNS " FROM d"};

// NULL parameters keep the column; $5 says whether to write the nullable
// last_health_check_time. The row must carry version $11 (NULL: any) and, when the
// state changes, be in one of the states $12 (the state machine's sources).
//
// Setting the current values again is a no-op (the contract): the row keeps its
// version and update_time, and is answered (and ledgered) as it is. A parameter
// changes its column only when it differs from it (`NULL <> column` is never true,
// and every column but last_health_check_time is NOT NULL). On a legacy table the
// sync trigger leaves such a row alone too (migration 0004).
#define DBS_CHECKED_AT "('epoch'::timestamptz + $6::bigint * interval '1 microsecond')"
#define DBS_UPDATE_CHANGES                                                 \
  "($2::text <> state OR $3::text <> health OR $4::text <> health_message" \
  " OR ($5::bool AND " DBS_CHECKED_AT                                      \
  " IS DISTINCT FROM last_health_check_time)"                              \
  " OR $7::int <> max_instances OR $8::text <> host OR $9::int <> port"    \
  " OR $10::jsonb <> labels)"
inline constexpr pq::PgStatement kUpdate = {
    "db_servers_update",
    "WITH d AS (UPDATE db_servers SET"
    " state = COALESCE($2::text, state),"
    " health = COALESCE($3::text, health),"
    " health_message = COALESCE($4::text, health_message),"
    " last_health_check_time = CASE WHEN $5::bool THEN " DBS_CHECKED_AT
    "   ELSE last_health_check_time END,"
    " max_instances = COALESCE($7::int, max_instances),"
    " host = COALESCE($8::text, host),"
    " port = COALESCE($9::int, port),"
    " labels = COALESCE($10::jsonb, labels),"
    " " DBS_BUMP_IF(DBS_UPDATE_CHANGES)
    " WHERE id = $1::uuid AND ($11::bigint IS NULL OR version = $11::bigint)"
    " AND ($2::text IS NULL OR state = $2::text OR state = ANY($12::text[]))"
    " RETURNING *)" DBS_LEDGER("$13", "$14", "to_jsonb(d)") " SELECT " DBS_DB_SERVER_COLUMNS
                                                            " FROM d"};

// Only an empty pool that no instances row references goes. An instances row
// inserted concurrently holds a KEY SHARE lock on the pool, so the DELETE waits
// for it and then fails the foreign key (23503): in use either way.
inline constexpr pq::PgStatement kDelete = {
    "db_servers_delete",
    "WITH d AS (DELETE FROM db_servers WHERE id = $1::uuid"
    " AND ($2::bigint IS NULL OR version = $2::bigint) AND instance_count = 0"
    " AND NOT EXISTS (SELECT 1 FROM instances WHERE db_server_id = $1::uuid)"
    " RETURNING *)" DBS_LEDGER("$3", "$4", "'{}'::jsonb") " SELECT " DBS_DB_SERVER_COLUMNS
                                                          " FROM d"};
inline constexpr pq::PgStatement kInstancesExist = {
    "instances_exist_on_db_server",
    "SELECT EXISTS (SELECT 1 FROM instances WHERE db_server_id = $1::uuid)"};

// State and capacity are checked by the UPDATE itself: concurrent increments queue
// on the row lock and each re-evaluates the WHERE clause on the latest row.
inline constexpr pq::PgStatement kIncrement = {
    "db_servers_increment",
    "WITH d AS (UPDATE db_servers SET instance_count = instance_count + 1, " DBS_BUMP
    " WHERE id = $1::uuid AND state = 'ACTIVE' AND instance_count < max_instances"
    " RETURNING *)" DBS_LEDGER("$2", "$3", "to_jsonb(d)") " SELECT " DBS_DB_SERVER_COLUMNS
                                                          " FROM d"};
inline constexpr pq::PgStatement kDecrement = {
    "db_servers_decrement",
    "WITH d AS (UPDATE db_servers SET instance_count = instance_count - 1, " DBS_BUMP
    " WHERE id = $1::uuid AND instance_count > 0"
    " RETURNING *)" DBS_LEDGER("$2", "$3", "to_jsonb(d)") " SELECT " DBS_DB_SERVER_COLUMNS
                                                          " FROM d"};

// Find + increment in one statement. The pick is a CTE, not a scalar subquery:
// PostgreSQL re-runs a subquery of an UPDATE's WHERE clause when it re-checks a row a
// concurrent transaction changed (EvalPlanQual), and a re-run SKIP LOCKED pick skips
// the row this statement itself just locked, so the UPDATE would match nothing. A
// CTE is read once. FOR UPDATE re-checks a row it had to wait for and moves on when
// the row stopped qualifying; the outer WHERE repeats the test on the locked row.
#define DBS_ALLOCATE(lock_clause)                                                 \
  "WITH pick AS (SELECT db_servers.id FROM db_servers WHERE " DBS_AVAILABLE_WHERE \
  " ORDER BY " DBS_LEAST_LOADED_ORDER " LIMIT 1 " lock_clause                     \
  "),"                                                                            \
  " d AS (UPDATE db_servers SET instance_count = instance_count + 1, " DBS_BUMP   \
  " WHERE id = (SELECT id FROM pick) AND " DBS_AVAILABLE_WHERE                    \
  " RETURNING *)" DBS_LEDGER("$2", "$3", "to_jsonb(d)") " SELECT " DBS_DB_SERVER_COLUMNS " FROM d"
// First skip the rows other allocators hold; only when that finds nothing (every
// eligible row locked, or none at all) wait for a locked one, so a free slot
// behind a lock is never reported as no capacity.
inline constexpr pq::PgStatement kAllocateSkipLocked = {"db_servers_allocate_skip_locked",
                                                        DBS_ALLOCATE("FOR UPDATE SKIP LOCKED")};
inline constexpr pq::PgStatement kAllocateWaiting = {"db_servers_allocate_waiting",
                                                     DBS_ALLOCATE("FOR UPDATE")};

// The ledger entry of a request id: its fingerprint, whether its answer is stored,
// whether it is past the 24 h replay window, and the stored row.
inline constexpr pq::PgStatement kReadRequest = {
    "request_ids_read",
    "SELECT r.fingerprint, r.result IS NOT NULL, r.created_at < now() - interval '24 "
    "hours', " DBS_DB_SERVER_COLUMNS
    " FROM request_ids AS r"
    " LEFT JOIN LATERAL jsonb_to_record(r.result) AS d(id uuid, display_name text, host text,"
    " port int, server_type text, state text, health text, health_message text,"
    " last_health_check_time timestamptz, instance_count int, max_instances int, labels jsonb,"
    " create_time timestamptz, update_time timestamptz, version bigint) ON true"
    " WHERE r.request_id = $1::uuid"};
inline constexpr int kLedgerColumns = 3;  // before the row's columns
inline constexpr pq::PgStatement kForgetExpiredRequest = {
    "request_ids_forget_expired",
    "DELETE FROM request_ids WHERE request_id = $1::uuid"
    " AND created_at < now() - interval '24 hours'"};
inline constexpr pq::PgStatement kPurgeRequests = {
    "request_ids_purge", "DELETE FROM request_ids WHERE created_at < now() - interval '24 hours'"};

#undef DBS_ALLOCATE
#undef DBS_LEDGER
#undef DBS_UPDATE_CHANGES
#undef DBS_CHECKED_AT
#undef DBS_BUMP_IF
#undef DBS_BUMP
#undef DBS_LEAST_LOADED_ORDER
#undef DBS_AVAILABLE_WHERE
#undef DBS_DB_SERVER_COLUMNS

// The hot writes, which concurrent calls may run in shared round trips and
// transactions (pq::PgCombiner): each changes one row's slots, so a batch of them is
// exactly those calls one after the other, and the batch pays one commit (one WAL
// flush) instead of one per call. Reads are left out on purpose: they commit nothing
// to flush, and tests/bench/run measured them slower combined (find at 32 callers
// 0.30x -> 0.25x of direct SQL) because of the extra hand-off between threads.
inline constexpr const pq::PgStatement* kCombinable[] = {&kIncrement, &kDecrement,
                                                         &kAllocateSkipLocked};

// Statements always run after kForceCustomPlan.
inline constexpr const pq::PgStatement* kCustomPlanOnly[] = {&kListFiltered};

// Every statement above that reads or writes a table, for the query-plan tests.
inline constexpr const pq::PgStatement* kAll[] = {&kGet,
                                                  &kList,
                                                  &kListFiltered,
                                                  &kFindAvailable,
                                                  &kCreate,
                                                  &kUpdate,
                                                  &kDelete,
                                                  &kInstancesExist,
                                                  &kIncrement,
                                                  &kDecrement,
                                                  &kAllocateSkipLocked,
                                                  &kAllocateWaiting,
                                                  &kReadRequest,
                                                  &kForgetExpiredRequest,
                                                  &kPurgeRequests};

}  // namespace dbs::instance::statements

#endif  // INSTANCE_SERVICE_REPOSITORY_DB_SERVER_STATEMENTS_H_
