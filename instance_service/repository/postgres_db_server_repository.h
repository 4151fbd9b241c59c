#ifndef INSTANCE_SERVICE_REPOSITORY_POSTGRES_DB_SERVER_REPOSITORY_H_
#define INSTANCE_SERVICE_REPOSITORY_POSTGRES_DB_SERVER_REPOSITORY_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "instance_service/repository/db_server_repository.h"
#include "pq/pg_combiner.h"
#include "pq/pg_connection.h"
#include "pq/pg_pool.h"

namespace dbs::instance {

// DbServerRepository over PostgreSQL: every SQL statement of instance-service, as
// named prepared statements with `$n` parameters (filters, labels and timestamps
// are parameters too; no SQL is ever built from input). Expects the schema of
// instance_service/migrations.
//
// One round trip per call. Every call is ONE statement on a pooled connection,
// sent together with its statement_timeout in one flush (pq::PgConnection::Run),
// and committed on its own: reads need no BEGIN/COMMIT, and each write folds its
// effect, its checks (state, capacity, etag) and the request-id ledger into a
// single statement with CTEs. Only when that statement refuses the write (nothing
// matched, or a constraint fired) does a second round trip read the ledger and the
// row, to replay an earlier answer or to say why. Beyond the interface's contract:
//   - an `id` (or request_id) that is not a UUID is NOT_FOUND DB_SERVER_NOT_FOUND
//     (INVALID_ARGUMENT INVALID_FIELD); nothing is sent to the database;
//   - Increment, Decrement and Allocate are each one UPDATE that checks state and
//     capacity in its WHERE clause; concurrent ones queue on the row lock and each
//     re-checks the latest row. Allocate skips rows other allocators hold locked
//     (FOR UPDATE SKIP LOCKED) and, only when that finds nothing (every eligible row
//     locked), waits for one in a second statement, so it never answers NO_CAPACITY
//     while a slot is free;
//   - request ids: a successful write inserts its request_ids row, holding the
//     answer, in the same statement. A duplicate therefore fails on the ledger's
//     primary key (after waiting for a concurrent first attempt to commit) or is
//     refused by the row, and then replays the stored answer; rows older than 24 h
//     count as unused (PurgeExpiredRequestIds deletes them). Failed calls are not
//     recorded, nor is a DeleteDbServer of a missing row with allow_missing;
//   - a CHECK violation on write is FAILED_PRECONDITION CAPACITY_BELOW_COUNT for
//     max_instances < instance_count, else INVALID_ARGUMENT INVALID_FIELD;
//   - ErrorInfo metadata (errors/error_status.h) only the row knows: DB_SERVER_FULL
//     carries instance_count and max_instances, DB_SERVER_NOT_ACTIVE carries state
//     (its DbServer.State name, e.g. "STATE_DRAINING"); the caller adds id /
//     server_type;
//   - a pool with every connection busy past PgPoolOptions::max_wait is UNAVAILABLE
//     SERVER_OVERLOADED, and so are writes that kept losing races (3 attempts).
//
// Thread-safe. `pool` must outlive the repository.
class PostgresDbServerRepository final : public DbServerRepository {
 public:
  // With `combiner`, the hot statements (statements::kCombinable) of concurrent calls
  // share round trips and transactions (pq::PgCombiner); every other statement runs
  // on a connection of its own from `pool`.
  explicit PostgresDbServerRepository(pq::PgPool* pool, pq::PgCombiner* combiner = nullptr);

  absl::StatusOr<ListPage> List(const ListQuery& query, const RepositoryCall& call) override;
  absl::StatusOr<DbServerRecord> Get(const std::string& id, const RepositoryCall& call) override;
  absl::StatusOr<DbServerRecord> Create(const NewDbServer& server,
                                        const std::optional<RequestIdentity>& request,
                                        const RepositoryCall& call) override;
  absl::StatusOr<DbServerRecord> Update(const std::string& id, const DbServerChanges& changes,
                                        std::optional<int64_t> expected_version,
                                        const UpdateRules& rules,
                                        const std::optional<RequestIdentity>& request,
                                        const RepositoryCall& call) override;
  absl::Status Delete(const std::string& id, std::optional<int64_t> expected_version,
                      bool allow_missing, const std::optional<RequestIdentity>& request,
                      const RepositoryCall& call) override;
  absl::StatusOr<DbServerRecord> FindAvailable(const std::string& server_type,
                                               const RepositoryCall& call) override;
  absl::StatusOr<DbServerRecord> Increment(const std::string& id,
                                           const std::optional<RequestIdentity>& request,
                                           const RepositoryCall& call) override;
  absl::StatusOr<DbServerRecord> Decrement(const std::string& id,
                                           const std::optional<RequestIdentity>& request,
                                           const RepositoryCall& call) override;
  absl::StatusOr<DbServerRecord> Allocate(const std::string& server_type,
                                          const std::optional<RequestIdentity>& request,
                                          const RepositoryCall& call) override;

  // Deletes request-id rows older than the 24 h replay window; returns how many.
  // Call it periodically (e.g. hourly); correctness does not depend on it.
  absl::StatusOr<int64_t> PurgeExpiredRequestIds(const RepositoryCall& call);

  // What a refused write's second round trip found: the row as it is now (when
  // the write names one) and the write's outcome. Explain returns the call's final
  // answer: an error, a record (DbServerRecord() for a successful Delete), or
  // nullopt when nothing refuses the write any more (it lost a race: run it again).
  using Explain = std::function<absl::StatusOr<std::optional<DbServerRecord>>(
      pq::PgConnection& connection, const absl::Status& failure,
      const std::optional<DbServerRecord>& current)>;

 private:
  // One read statement (after kForceCustomPlan in the same round trip with
  // `custom_plan`); retried once on a fresh connection when a pooled one turns out
  // dead or stale.
  // `statement` alone: through the combiner when it may be combined, else on
  // `connection` (acquired on first use and kept for the caller's next statement).
  absl::StatusOr<pq::PgResult> RunOne(const pq::PgStatement& statement,
                                      const std::vector<pq::PgParam>& params, absl::Time deadline,
                                      std::optional<pq::PooledConnection>& connection);
  absl::StatusOr<pq::PgResult> Read(const pq::PgStatement& statement,
                                    const std::vector<pq::PgParam>& params,
                                    const RepositoryCall& call, bool custom_plan = false);
  // One write statement (the ledger parameters appended to `params`; when it
  // matches nothing, the next of `statements` runs), then, when the write is
  // refused, the ledger replay or `explain` on the row `id` (when not empty).
  absl::StatusOr<DbServerRecord> Write(std::initializer_list<const pq::PgStatement*> statements,
                                       std::vector<pq::PgParam> params,
                                       const std::optional<RequestIdentity>& request,
                                       const std::string& id, const RepositoryCall& call,
                                       const Explain& explain);

  pq::PgPool* pool_;
  pq::PgCombiner* combiner_;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_POSTGRES_DB_SERVER_REPOSITORY_H_
