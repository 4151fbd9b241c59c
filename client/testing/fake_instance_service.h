#ifndef CLIENT_TESTING_FAKE_INSTANCE_SERVICE_H_
#define CLIENT_TESTING_FAKE_INSTANCE_SERVICE_H_

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/instance_service_client.h"
#include "client/instance_service_connection.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::client::testing {

// An in-memory instance-service for consumers' unit tests: no network, no
// database, the same observable semantics as the real server, checked by the
// same conformance suite (tests/client/conformance):
//  - validation of ids, names, ports, server types, capacities, labels, update
//    masks and filters (INVALID_ARGUMENT with INVALID_FIELD / INVALID_UPDATE_MASK
//    / INVALID_FILTER / INVALID_PAGE_TOKEN and field violations);
//  - NOT_FOUND (DB_SERVER_NOT_FOUND), ALREADY_EXISTS (DISPLAY_NAME_TAKEN), ABORTED
//    (ETAG_MISMATCH), the state machine (INVALID_STATE_TRANSITION), capacity
//    (DB_SERVER_FULL, DB_SERVER_NOT_ACTIVE, DB_SERVER_EMPTY, CAPACITY_BELOW_COUNT,
//    NO_CAPACITY, NO_AVAILABLE_DB_SERVER) and DB_SERVER_IN_USE;
//  - request_id idempotency: a repeat returns the first answer without a second
//    effect; the same id on a different request is REQUEST_ID_REUSED;
//  - paging in display_name order with opaque tokens bound to the filter.
// Unlike the gRPC connection it neither fills in request ids nor retries: it is
// the server, not the client. Errors look like real ones (ReasonOf() works).
//
//   auto fake = std::make_shared<dbs::client::testing::FakeInstanceService>();
//   dbs::client::InstanceServiceClient client(fake);
//   MyAllocator allocator(client);   // code under test
//
// Every call completes before it returns, on the calling thread. Thread-safe.
class FakeInstanceService : public InstanceServiceConnection {
 public:
  FakeInstanceService() = default;

  void ListDbServers(const instance::v1::ListDbServersRequest& request, absl::Time deadline,
                     ResultCallback<instance::v1::ListDbServersResponse> done) override;
  void GetDbServer(const instance::v1::GetDbServerRequest& request, absl::Time deadline,
                   ResultCallback<instance::v1::GetDbServerResponse> done) override;
  void CreateDbServer(const instance::v1::CreateDbServerRequest& request, absl::Time deadline,
                      ResultCallback<instance::v1::CreateDbServerResponse> done) override;
  void UpdateDbServer(const instance::v1::UpdateDbServerRequest& request, absl::Time deadline,
                      ResultCallback<instance::v1::UpdateDbServerResponse> done) override;
  void DeleteDbServer(const instance::v1::DeleteDbServerRequest& request, absl::Time deadline,
                      ResultCallback<instance::v1::DeleteDbServerResponse> done) override;
  void FindAvailableDbServer(
      const instance::v1::FindAvailableDbServerRequest& request, absl::Time deadline,
      ResultCallback<instance::v1::FindAvailableDbServerResponse> done) override;
  void IncrementInstanceCount(
      const instance::v1::IncrementInstanceCountRequest& request, absl::Time deadline,
      ResultCallback<instance::v1::IncrementInstanceCountResponse> done) override;
  void DecrementInstanceCount(
      const instance::v1::DecrementInstanceCountRequest& request, absl::Time deadline,
      ResultCallback<instance::v1::DecrementInstanceCountResponse> done) override;
  void AllocateDbServer(const instance::v1::AllocateDbServerRequest& request, absl::Time deadline,
                        ResultCallback<instance::v1::AllocateDbServerResponse> done) override;

  // Test hook: the next `count` calls (any RPC) fail with `status` and change
  // nothing, e.g. UNAVAILABLE to exercise a consumer's error path.
  void FailNextCalls(absl::Status status, int count = 1);

  // Test hook: marks pool `id` as referenced by `instances` rows (or not), the
  // other reason DeleteDbServer answers DB_SERVER_IN_USE.
  void SetReferencedByInstances(const std::string& id, bool referenced);

 private:
  struct Row {
    instance::v1::DbServer db_server;
    int64_t version = 0;
    bool referenced = false;
  };
  struct Replay {
    std::string fingerprint;
    std::string response;  // the serialized first answer
  };

  // Runs `apply` unless an injected failure or a passed deadline says otherwise,
  // with request_id replay around it when `request_id` is non-empty.
  template <typename Response, typename Apply>
  absl::StatusOr<Response> Call(const google::protobuf::Message& request,
                                const std::string& request_id, absl::Time deadline, Apply apply);
  // The stored row for a valid `id`, or NOT_FOUND.
  absl::StatusOr<Row*> Find(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Bumps version, etag and update_time after a write.
  static void Touch(Row& row);
  // The least-loaded ACTIVE + HEALTHY pool of `server_type` with a free slot.
  Row* LeastLoaded(const std::string& server_type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, Row> rows_ ABSL_GUARDED_BY(mu_);        // by id
  std::map<std::string, Replay> replays_ ABSL_GUARDED_BY(mu_);  // by request_id
  std::deque<absl::Status> injected_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dbs::client::testing

#endif  // CLIENT_TESTING_FAKE_INSTANCE_SERVICE_H_
