#ifndef CLIENT_TESTING_FAKE_INSTANCE_SERVICE_H_
#define CLIENT_TESTING_FAKE_INSTANCE_SERVICE_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/instance_service_client.h"  // for users: the fake is wrapped in one
#include "client/instance_service_connection.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::client::testing {

// An in-memory instance-service for consumers' unit tests: no network, no
// database. It is instance-service's own handlers (instance_service/service/
// db_server_handlers.h) over its in-memory repository, so every rule is the
// server's by construction, not a second copy kept in step by tests: validation
// and its field violations, update masks, the filter grammar and page tokens, the
// state machine, capacity, request_id replay and REQUEST_ID_REUSED, the error
// reasons and their ErrorInfo metadata. The conformance suite
// (tests/client/conformance) still runs the same cases here and against the real
// server, which checks the transport in between.
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
  FakeInstanceService();
  ~FakeInstanceService() override;

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
  void FailNextCalls(const absl::Status& status, int count = 1);

  // Test hook: marks pool `id` as referenced by `instances` rows (or not), the
  // other reason DeleteDbServer answers DB_SERVER_IN_USE.
  void SetReferencedByInstances(const std::string& id, bool referenced);

 private:
  // The handlers and their repository (defined in the .cc, so that this
  // installed header names nothing of instance-service).
  struct Server;

  // The next injected failure, if any (and consumes it).
  std::optional<absl::Status> TakeInjectedFailure();
  template <typename Request, typename Response, typename Handler>
  void Serve(Handler handler, const Request& request, absl::Time deadline,
             ResultCallback<Response>& done);

  std::unique_ptr<Server> server_;
  absl::Mutex mu_;
  std::deque<absl::Status> injected_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dbs::client::testing

#endif  // CLIENT_TESTING_FAKE_INSTANCE_SERVICE_H_
