#ifndef INSTANCE_SERVICE_REPOSITORY_IN_MEMORY_DB_SERVER_REPOSITORY_H_
#define INSTANCE_SERVICE_REPOSITORY_IN_MEMORY_DB_SERVER_REPOSITORY_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "instance_service/repository/db_server_repository.h"

namespace dbs::instance {

// DbServerRepository in memory, with the semantics of PostgresDbServerRepository
// for everything the handlers observe (as Ray's GCS has an in-memory store client
// beside the real one): the same errors and reasons, capacity and state checks,
// `version` bumped by every successful write that changes the row (an update that
// sets what is there keeps it, as the UPDATE statement does), request-id replay within
// 24 h (REQUEST_ID_REUSED for another fingerprint; failed calls not recorded),
// least-loaded order (instance_count / max_instances, then id), keyset pages in
// display_name order, filters as the SQL applies them, timestamps in microseconds.
//
// It backs the handlers' unit tests (db_server_handlers.h) and the client's fake
// (client/testing/fake_instance_service.h), which is those handlers over it. What
// only a table has is a hook: SetReferencedByInstances() stands for rows of
// `instances`.
//
// A call whose deadline has passed changes nothing and is DEADLINE_EXCEEDED
// QUERY_TIMEOUT. Thread-safe: one mutex; every call is atomic.
class InMemoryDbServerRepository final : public DbServerRepository {
 public:
  InMemoryDbServerRepository() = default;

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

  // Marks pool `id` as referenced by `instances` rows (or not): Delete then
  // answers DB_SERVER_IN_USE whatever its instance_count, as the foreign key does.
  void SetReferencedByInstances(const std::string& id, bool referenced);

 private:
  // A request id's first successful answer.
  struct LedgerEntry {
    std::string fingerprint;
    absl::Time created;
    DbServerRecord answer;  // DbServerRecord() for a Delete
  };
  using Write = absl::FunctionRef<absl::StatusOr<DbServerRecord>()>;

  // Runs `write` under the lock with the deadline and the request-id ledger
  // around it: a replay answers the stored result without writing again.
  absl::StatusOr<DbServerRecord> Ledgered(const std::optional<RequestIdentity>& request,
                                          absl::Time deadline, Write write)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<DbServerRecord*> Find(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes (+1) or releases (-1) one slot of row `id`, with the checks of the
  // corresponding statement, under the ledger.
  absl::StatusOr<DbServerRecord> ChangeCount(const std::string& id, int delta,
                                             const std::optional<RequestIdentity>& request,
                                             const RepositoryCall& call);
  // The least-loaded eligible row of `server_type`, or nullptr.
  DbServerRecord* LeastLoaded(const std::string& server_type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, DbServerRecord> rows_ ABSL_GUARDED_BY(mu_);  // by id
  std::map<std::string, LedgerEntry> ledger_ ABSL_GUARDED_BY(mu_);   // by request_id
  std::set<std::string> referenced_ ABSL_GUARDED_BY(mu_);            // ids in `instances`
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_IN_MEMORY_DB_SERVER_REPOSITORY_H_
