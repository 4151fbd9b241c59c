#ifndef INSTANCE_SERVICE_REPOSITORY_DB_SERVER_REPOSITORY_H_
#define INSTANCE_SERVICE_REPOSITORY_DB_SERVER_REPOSITORY_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "instance_service/repository/db_server_record.h"
#include "instance_service/repository/list_query.h"

namespace dbs::instance {

// Bounds of one repository call, taken from the RPC. (Not the client's
// dbs::client::CallOptions: that one says how long a caller waits, a timeout or a
// deadline; this one carries the deadline the RPC already has.)
struct RepositoryCall {
  // The caller's deadline: waiting for a pooled connection and the SQL itself
  // (a transaction-local statement_timeout sent with it) both end here.
  absl::Time deadline = absl::InfiniteFuture();
};

// AIP-155 request identity of a mutating call. The repository records it in the
// same transaction as the effect; a later call with the same request_id and the
// same fingerprint gets the first result back without a second effect, for 24 h.
// The same request_id with another fingerprint is INVALID_ARGUMENT
// (REQUEST_ID_REUSED). Failed calls are not recorded.
struct RequestIdentity {
  std::string request_id;   // a validated UUID
  std::string fingerprint;  // method name + a digest of the request's fields
};

// The service layer's rule check for an update: the first rule the stored row
// `current` breaks (state transition, capacity), or OK.
using UpdatePrecondition = std::function<absl::Status(const DbServerRecord& current)>;

// The rules an update must satisfy against the stored row. The repository enforces
// them race-free inside the write itself (the state rule as `allowed_from`, the
// capacity rule by the table's CHECK constraint) and, when the row refuses the write,
// asks `explain` why, so the error is the service layer's.
struct UpdateRules {
  // With DbServerChanges::state set: the states the row may be in for the change
  // (the target state itself always passes). Empty: the state rule is not checked.
  std::vector<DbServerState> allowed_from;
  // Names the broken rule from the row as it is now; may be empty.
  UpdatePrecondition explain;
};

// Every read and write of db_servers (and of the request-id table). All SQL of
// instance-service lives behind this interface, in named prepared statements with
// `$n` parameters only.
//
// Errors (each with an instance.v1.ErrorReason, see errors/error_status.h):
//   NOT_FOUND DB_SERVER_NOT_FOUND      the id names no row
//   ALREADY_EXISTS DISPLAY_NAME_TAKEN  unique display_name violated
//   ABORTED ETAG_MISMATCH              expected_version differs from the row's
//   FAILED_PRECONDITION DB_SERVER_FULL / DB_SERVER_NOT_ACTIVE / DB_SERVER_EMPTY /
//                       DB_SERVER_IN_USE, or whatever UpdateRules::explain returned
//   NOT_FOUND NO_AVAILABLE_DB_SERVER   FindAvailable found nothing
//   RESOURCE_EXHAUSTED NO_CAPACITY     Allocate found nothing
//   INVALID_ARGUMENT REQUEST_ID_REUSED request_id seen with another fingerprint
//   UNAVAILABLE DATABASE_UNAVAILABLE   connection lost / database down; nothing done
//   DEADLINE_EXCEEDED QUERY_TIMEOUT    deadline hit waiting or running; rolled back
//   INTERNAL INTERNAL_ERROR            anything else; rolled back
//
// Thread-safe: one instance serves all concurrent RPCs.
class DbServerRepository {
 public:
  virtual ~DbServerRepository() = default;

  virtual absl::StatusOr<ListPage> List(const ListQuery& query, const RepositoryCall& call) = 0;
  virtual absl::StatusOr<DbServerRecord> Get(const std::string& id, const RepositoryCall& call) = 0;

  virtual absl::StatusOr<DbServerRecord> Create(const NewDbServer& server,
                                                const std::optional<RequestIdentity>& request,
                                                const RepositoryCall& call) = 0;

  // Applies `changes` to the row if `expected_version` (when set) matches and the
  // row satisfies `rules`; bumps version and update_time when a column changes. Changes
  // that all equal the stored values are a no-op: the row is returned as it is, with
  // its version and update_time (and ledgered like any answer).
  virtual absl::StatusOr<DbServerRecord> Update(const std::string& id,
                                                const DbServerChanges& changes,
                                                std::optional<int64_t> expected_version,
                                                const UpdateRules& rules,
                                                const std::optional<RequestIdentity>& request,
                                                const RepositoryCall& call) = 0;

  // Deletes the row unless instance_count > 0 or an `instances` row references it
  // (FAILED_PRECONDITION DB_SERVER_IN_USE; the FK stays). With allow_missing a
  // missing row is OK.
  virtual absl::Status Delete(const std::string& id, std::optional<int64_t> expected_version,
                              bool allow_missing, const std::optional<RequestIdentity>& request,
                              const RepositoryCall& call) = 0;

  // The least-loaded ACTIVE + HEALTHY row of `server_type` with a free slot
  // (lowest instance_count / max_instances, ties by id). Reserves nothing.
  virtual absl::StatusOr<DbServerRecord> FindAvailable(const std::string& server_type,
                                                       const RepositoryCall& call) = 0;

  // instance_count + 1 in one statement that checks state = ACTIVE and capacity.
  virtual absl::StatusOr<DbServerRecord> Increment(const std::string& id,
                                                   const std::optional<RequestIdentity>& request,
                                                   const RepositoryCall& call) = 0;
  // instance_count - 1, in any state, never below 0.
  virtual absl::StatusOr<DbServerRecord> Decrement(const std::string& id,
                                                   const std::optional<RequestIdentity>& request,
                                                   const RepositoryCall& call) = 0;
  // FindAvailable + Increment as one atomic statement (FOR UPDATE SKIP LOCKED):
  // concurrent callers never exceed any row's max_instances.
  virtual absl::StatusOr<DbServerRecord> Allocate(const std::string& server_type,
                                                  const std::optional<RequestIdentity>& request,
                                                  const RepositoryCall& call) = 0;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_DB_SERVER_REPOSITORY_H_
