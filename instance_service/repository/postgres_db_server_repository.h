#ifndef INSTANCE_SERVICE_REPOSITORY_POSTGRES_DB_SERVER_REPOSITORY_H_
#define INSTANCE_SERVICE_REPOSITORY_POSTGRES_DB_SERVER_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "instance_service/repository/db_server_repository.h"
#include "pq/pg_connection.h"
#include "pq/pg_pool.h"

namespace dbs::instance {

// DbServerRepository over PostgreSQL: every SQL statement of instance-service, as
// named prepared statements with `$n` parameters (filters, labels and timestamps
// are parameters too; no SQL is ever built from input). Expects the schema of
// instance_service/migrations.
//
// Every call is one transaction on a connection from `pool`, bounded by
// CallOptions::deadline (wait for a connection + `statement_timeout`). Beyond the
// interface's contract:
//   - an `id` (or request_id) that is not a UUID is NOT_FOUND DB_SERVER_NOT_FOUND
//     (INVALID_ARGUMENT INVALID_FIELD); nothing is sent to the database;
//   - Increment, Decrement and Allocate are each one UPDATE that checks state and
//     capacity in its WHERE clause. Allocate first skips rows other allocators hold
//     locked (FOR UPDATE SKIP LOCKED), then, only if every eligible row was locked,
//     waits for them once, so it never answers NO_CAPACITY while a slot is free;
//   - request ids: the request_ids row is inserted first (ON CONFLICT), so a
//     concurrent duplicate waits for the first transaction and then replays its
//     answer; rows older than 24 h count as unused (PurgeExpiredRequestIds deletes
//     them);
//   - a CHECK violation on write is FAILED_PRECONDITION CAPACITY_BELOW_COUNT for
//     max_instances < instance_count, else INVALID_ARGUMENT INVALID_FIELD;
//   - ErrorInfo metadata (error_reason.h) only the row knows: DB_SERVER_FULL
//     carries instance_count and max_instances, DB_SERVER_NOT_ACTIVE carries state
//     (the column text, e.g. "DRAINING"); the caller adds id / server_type;
//   - persistent serialization conflicts are UNAVAILABLE SERVER_OVERLOADED, and a
//     pool with every connection busy past PgPoolOptions::max_wait is too.
//
// Thread-safe. `pool` must outlive the repository.
class PostgresDbServerRepository final : public DbServerRepository {
 public:
  explicit PostgresDbServerRepository(pq::PgPool* pool);

  absl::StatusOr<ListPage> List(const ListQuery& query, const CallOptions& call) override;
  absl::StatusOr<DbServerRecord> Get(const std::string& id, const CallOptions& call) override;
  absl::StatusOr<DbServerRecord> Create(const NewDbServer& server,
                                        const std::optional<RequestIdentity>& request,
                                        const CallOptions& call) override;
  absl::StatusOr<DbServerRecord> Update(const std::string& id, const DbServerChanges& changes,
                                        std::optional<int64_t> expected_version,
                                        const UpdatePrecondition& precondition,
                                        const std::optional<RequestIdentity>& request,
                                        const CallOptions& call) override;
  absl::Status Delete(const std::string& id, std::optional<int64_t> expected_version,
                      bool allow_missing, const std::optional<RequestIdentity>& request,
                      const CallOptions& call) override;
  absl::StatusOr<DbServerRecord> FindAvailable(const std::string& server_type,
                                               const CallOptions& call) override;
  absl::StatusOr<DbServerRecord> Increment(const std::string& id,
                                           const std::optional<RequestIdentity>& request,
                                           const CallOptions& call) override;
  absl::StatusOr<DbServerRecord> Decrement(const std::string& id,
                                           const std::optional<RequestIdentity>& request,
                                           const CallOptions& call) override;
  absl::StatusOr<DbServerRecord> Allocate(const std::string& server_type,
                                          const std::optional<RequestIdentity>& request,
                                          const CallOptions& call) override;

  // Deletes request-id rows older than the 24 h replay window; returns how many.
  // Call it periodically (e.g. hourly); correctness does not depend on it.
  absl::StatusOr<int64_t> PurgeExpiredRequestIds(const CallOptions& call);

 private:
  using Effect = std::function<absl::StatusOr<DbServerRecord>(pq::PgConnection&)>;

  // One read-only transaction.
  absl::StatusOr<DbServerRecord> ReadRow(const Effect& read, const CallOptions& call);
  // One write transaction; with `request`, claims the request id first and
  // answers a replay with the stored result instead of running `effect`. An
  // effect that returns a record with an empty id (Delete) stores "no row".
  absl::StatusOr<DbServerRecord> WriteOnce(const std::optional<RequestIdentity>& request,
                                           const CallOptions& call, const Effect& effect);

  pq::PgPool* pool_;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_POSTGRES_DB_SERVER_REPOSITORY_H_
