#ifndef CLIENT_INSTANCE_SERVICE_CLIENT_H_
#define CLIENT_INSTANCE_SERVICE_CLIENT_H_

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/client_options.h"
#include "client/error_reason.h"
#include "client/instance_service_connection.h"
#include "client/retry_policy.h"
#include "google/protobuf/field_mask.pb.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::client {

// InstanceServiceClient: the C++ API of instance-service (instance.v1.DbServerService),
// the only owner of the `db_servers` table. Link `dbs::instance_service_client`.
//
//   dbs::client::ClientOptions options;
//   options.target = "dns:///instance-service.instance.svc:50051";
//   auto client = dbs::client::MakeInstanceServiceClient(options);
//   auto pool = client.GetAvailablePool("postgres");
//   if (!pool.ok()) return pool.status();          // the call failed
//   if (!pool->has_value()) return NoCapacity();   // no pool qualifies
//   auto taken = client.IncrementInstanceCount((*pool)->id());
//
// Thread safety: a value that is cheap to copy (it shares one connection, hence
// one channel); copies may be used concurrently from any number of threads. Make
// one per process and pass copies around.
//
// Deadlines: every call has one, `CallOptions::timeout` or else
// ClientOptions::default_timeout, counted from the call's start and covering all
// its attempts and backoff waits.
//
// Retries (see retry_policy.h): UNAVAILABLE only, jittered exponential backoff,
// bounded by attempts, by total retry time and by the deadline. Every mutating
// call carries a `request_id` (AIP-155): when the caller leaves it empty the
// client generates one UUID4 before the first attempt and sends it on every
// attempt, so a retry never counts twice. Nothing else is retried; in particular
// ABORTED (ETAG_MISMATCH) is returned for the caller to re-read and re-apply.
//
// Errors: absl::Status with the server's canonical code; ReasonOf(status)
// gives the instance.v1.ErrorReason (error_reason.h). Common to every
// method: UNAVAILABLE (server or database unreachable; retries exhausted),
// DEADLINE_EXCEEDED (the deadline ran out during an attempt), INVALID_ARGUMENT
// (INVALID_FIELD and friends; ViolationsOf() names the fields),
// UNAUTHENTICATED / PERMISSION_DENIED (credentials), INTERNAL. Each method lists
// only its own additional errors.
//
// Non-blocking forms: every `AsyncX` returns at once with a std::future that
// becomes ready with the same result `X` would have returned. The work runs on
// gRPC's threads; the future may be waited on from any thread. Do not call a
// blocking method from inside a gRPC callback.
//
// gRPC note for servers that embed this client: an idle client channel notices a
// server's GOAWAY only on gRPC's backup poller (every 5 s by default), so a
// peer's graceful shutdown may wait that long for it. Processes that care set
// GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS (e.g. 100) in the environment
// before gRPC initialises; it is process-wide, so the library does not set it.
class InstanceServiceClient {
 public:
  // A client over `connection` (MakeInstanceServiceConnection(), or the fake of
  // client/testing/fake_instance_service.h in tests).
  explicit InstanceServiceClient(std::shared_ptr<InstanceServiceConnection> connection,
                                 absl::Duration default_timeout = ClientOptions().default_timeout);

  // One page of pools, in `display_name` order. `request.filter` uses the AIP-160
  // subset of db_servers.proto. Errors: INVALID_ARGUMENT (INVALID_FILTER,
  // INVALID_PAGE_TOKEN, INVALID_FIELD for a negative page_size). Idempotent
  // (a read; retried on UNAVAILABLE).
  absl::StatusOr<instance::v1::ListDbServersResponse> ListDbServers(
      const instance::v1::ListDbServersRequest& request, const CallOptions& call = {}) const;

  // Every pool matching `filter` ("" for all), following `next_page_token` until
  // the last page, pages of `page_size` (0: the server default). The deadline
  // applies to each page request. Errors: as ListDbServers; the first failing
  // page fails the whole listing. Idempotent (a read). Pools written while it
  // pages may be missed or seen in their new state, never twice.
  absl::StatusOr<std::vector<instance::v1::DbServer>> ListAllDbServers(
      const std::string& filter = "", int page_size = 0, const CallOptions& call = {}) const;

  // One pool by id. Errors: NOT_FOUND (DB_SERVER_NOT_FOUND); INVALID_ARGUMENT when
  // `id` is not a UUID. Idempotent (a read).
  absl::StatusOr<instance::v1::DbServer> GetDbServer(const std::string& id,
                                                     const CallOptions& call = {}) const;

  // Registers a pool (the plan's create_db_server). Set display_name, host, port,
  // server_type, max_instances, optionally labels; it starts PROVISIONING.
  // Returns the stored pool with its id and etag. Errors: ALREADY_EXISTS
  // (DISPLAY_NAME_TAKEN); INVALID_ARGUMENT (INVALID_FIELD). Idempotent: the
  // client fills request_id (the request form keeps a caller's own), so a retry
  // returns the pool created first.
  absl::StatusOr<instance::v1::DbServer> CreateDbServer(const instance::v1::DbServer& db_server,
                                                        const CallOptions& call = {}) const;
  absl::StatusOr<instance::v1::DbServer> CreateDbServer(
      const instance::v1::CreateDbServerRequest& request, const CallOptions& call = {}) const;

  // Changes the fields of `db_server` named in `update_mask` (the plan's
  // update_db_server); `db_server.id` names the pool and a non-empty
  // `db_server.etag` makes the write conditional. Returns the updated pool with
  // its new etag. Errors: NOT_FOUND (DB_SERVER_NOT_FOUND); ABORTED (ETAG_MISMATCH:
  // re-read and re-apply; never retried); FAILED_PRECONDITION
  // (INVALID_STATE_TRANSITION, CAPACITY_BELOW_COUNT); INVALID_ARGUMENT
  // (INVALID_UPDATE_MASK, INVALID_FIELD). Idempotent: always sent with a
  // request_id (filled in when empty), etag or not.
  absl::StatusOr<instance::v1::DbServer> UpdateDbServer(
      const instance::v1::DbServer& db_server, const google::protobuf::FieldMask& update_mask,
      const CallOptions& call = {}) const;
  absl::StatusOr<instance::v1::DbServer> UpdateDbServer(
      const instance::v1::UpdateDbServerRequest& request, const CallOptions& call = {}) const;

  // Removes a pool. Errors: NOT_FOUND (DB_SERVER_NOT_FOUND) unless
  // `allow_missing`; ABORTED (ETAG_MISMATCH) for a stale non-empty `etag`;
  // FAILED_PRECONDITION (DB_SERVER_IN_USE) while it holds instances. Idempotent
  // (request_id filled in when empty).
  absl::Status DeleteDbServer(const std::string& id, const std::string& etag = "",
                              bool allow_missing = false, const CallOptions& call = {}) const;
  absl::Status DeleteDbServer(const instance::v1::DeleteDbServerRequest& request,
                              const CallOptions& call = {}) const;

  // The least-loaded ACTIVE + HEALTHY pool of `server_type` with a free slot, or
  // an empty optional when none qualifies (the plan's get_available_pool;
  // NOT_FOUND NO_AVAILABLE_DB_SERVER becomes "empty", not an error). Advisory:
  // reserves nothing; use AllocateDbServer to take a slot race-free. Errors:
  // INVALID_ARGUMENT for a malformed server_type. Idempotent (a read).
  absl::StatusOr<std::optional<instance::v1::DbServer>> GetAvailablePool(
      const std::string& server_type, const CallOptions& call = {}) const;

  // As GetAvailablePool, but "none" is the error NOT_FOUND
  // (NO_AVAILABLE_DB_SERVER), as the RPC answers it.
  absl::StatusOr<instance::v1::DbServer> FindAvailableDbServer(const std::string& server_type,
                                                               const CallOptions& call = {}) const;

  // Takes one slot on pool `id` (the plan's increment_instance_count); returns
  // the pool after the increment. Errors: NOT_FOUND (DB_SERVER_NOT_FOUND);
  // FAILED_PRECONDITION (DB_SERVER_FULL at capacity, DB_SERVER_NOT_ACTIVE unless
  // ACTIVE). Idempotent through request_id: one call counts once however many
  // attempts it takes; a request form with the same request_id replays the first
  // answer.
  absl::StatusOr<instance::v1::DbServer> IncrementInstanceCount(const std::string& id,
                                                                const CallOptions& call = {}) const;
  absl::StatusOr<instance::v1::DbServer> IncrementInstanceCount(
      const instance::v1::IncrementInstanceCountRequest& request,
      const CallOptions& call = {}) const;

  // Releases one slot on pool `id`; returns the pool after the decrement.
  // Errors: NOT_FOUND (DB_SERVER_NOT_FOUND); FAILED_PRECONDITION (DB_SERVER_EMPTY
  // at 0). Idempotent through request_id, as IncrementInstanceCount.
  absl::StatusOr<instance::v1::DbServer> DecrementInstanceCount(const std::string& id,
                                                                const CallOptions& call = {}) const;
  absl::StatusOr<instance::v1::DbServer> DecrementInstanceCount(
      const instance::v1::DecrementInstanceCountRequest& request,
      const CallOptions& call = {}) const;

  // Finds the least-loaded eligible pool of `server_type` and takes a slot on it
  // in one atomic step: the race-free path for several database-service
  // replicas. Returns the pool after the increment. Errors: RESOURCE_EXHAUSTED
  // (NO_CAPACITY) when no eligible pool has a free slot; INVALID_ARGUMENT for a
  // malformed server_type. Idempotent through request_id: a retry returns the
  // pool chosen first and takes no second slot.
  absl::StatusOr<instance::v1::DbServer> AllocateDbServer(const std::string& server_type,
                                                          const CallOptions& call = {}) const;
  absl::StatusOr<instance::v1::DbServer> AllocateDbServer(
      const instance::v1::AllocateDbServerRequest& request, const CallOptions& call = {}) const;

  // Non-blocking forms: same semantics, errors and idempotency as the blocking
  // method of the same name; the future is ready when that method would return.
  // A request_id filled in by the client is fixed when the call starts.
  std::future<absl::StatusOr<instance::v1::ListDbServersResponse>> AsyncListDbServers(
      const instance::v1::ListDbServersRequest& request, const CallOptions& call = {}) const;
  std::future<absl::StatusOr<instance::v1::DbServer>> AsyncGetDbServer(
      const std::string& id, const CallOptions& call = {}) const;
  std::future<absl::StatusOr<instance::v1::DbServer>> AsyncCreateDbServer(
      const instance::v1::CreateDbServerRequest& request, const CallOptions& call = {}) const;
  std::future<absl::StatusOr<instance::v1::DbServer>> AsyncUpdateDbServer(
      const instance::v1::UpdateDbServerRequest& request, const CallOptions& call = {}) const;
  std::future<absl::Status> AsyncDeleteDbServer(const instance::v1::DeleteDbServerRequest& request,
                                                const CallOptions& call = {}) const;
  std::future<absl::StatusOr<std::optional<instance::v1::DbServer>>> AsyncGetAvailablePool(
      const std::string& server_type, const CallOptions& call = {}) const;
  std::future<absl::StatusOr<instance::v1::DbServer>> AsyncIncrementInstanceCount(
      const instance::v1::IncrementInstanceCountRequest& request,
      const CallOptions& call = {}) const;
  std::future<absl::StatusOr<instance::v1::DbServer>> AsyncDecrementInstanceCount(
      const instance::v1::DecrementInstanceCountRequest& request,
      const CallOptions& call = {}) const;
  std::future<absl::StatusOr<instance::v1::DbServer>> AsyncAllocateDbServer(
      const instance::v1::AllocateDbServerRequest& request, const CallOptions& call = {}) const;

 private:
  absl::Time DeadlineFor(const CallOptions& call) const;

  std::shared_ptr<InstanceServiceConnection> connection_;
  absl::Duration default_timeout_;
};

// The client for `options`: MakeInstanceServiceConnection(options) plus the
// default timeout. Cheap; does not connect until the first call. Never fails.
InstanceServiceClient MakeInstanceServiceClient(ClientOptions options);

}  // namespace dbs::client

#endif  // CLIENT_INSTANCE_SERVICE_CLIENT_H_
