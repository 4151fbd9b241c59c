#ifndef CLIENT_INSTANCE_SERVICE_CONNECTION_H_
#define CLIENT_INSTANCE_SERVICE_CONNECTION_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/client_options.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::client {

// Receives the outcome of one call, exactly once, possibly on a gRPC thread and
// possibly before the call that started it has returned. Must not block.
template <typename T>
using ResultCallback = std::function<void(absl::StatusOr<T>)>;

// The seam between InstanceServiceClient and what answers it: one virtual per
// RPC of instance.v1.DbServerService, request in, result out through a callback.
//
// Two implementations ship with the library: the gRPC one from
// MakeInstanceServiceConnection() (deadlines, retries, request ids, credentials,
// logging; see retry_policy.h) and the in-memory fake in
// client/testing/fake_instance_service.h with the server's semantics. Consumers
// normally use InstanceServiceClient and swap the connection in tests.
//
// Each method finishes by `deadline`: the result is then either the server's
// answer or an error (DEADLINE_EXCEEDED, or UNAVAILABLE when retries ran out).
// Errors are described per RPC in proto/instance/v1/db_servers.proto and carry
// the server's ErrorInfo (see error_reason.h).
//
// Thread-safe: implementations serve any number of concurrent calls.
class InstanceServiceConnection {
 public:
  virtual ~InstanceServiceConnection() = default;

  virtual void ListDbServers(const instance::v1::ListDbServersRequest& request, absl::Time deadline,
                             ResultCallback<instance::v1::ListDbServersResponse> done) = 0;
  virtual void GetDbServer(const instance::v1::GetDbServerRequest& request, absl::Time deadline,
                           ResultCallback<instance::v1::GetDbServerResponse> done) = 0;
  virtual void CreateDbServer(const instance::v1::CreateDbServerRequest& request,
                              absl::Time deadline,
                              ResultCallback<instance::v1::CreateDbServerResponse> done) = 0;
  virtual void UpdateDbServer(const instance::v1::UpdateDbServerRequest& request,
                              absl::Time deadline,
                              ResultCallback<instance::v1::UpdateDbServerResponse> done) = 0;
  virtual void DeleteDbServer(const instance::v1::DeleteDbServerRequest& request,
                              absl::Time deadline,
                              ResultCallback<instance::v1::DeleteDbServerResponse> done) = 0;
  virtual void FindAvailableDbServer(
      const instance::v1::FindAvailableDbServerRequest& request, absl::Time deadline,
      ResultCallback<instance::v1::FindAvailableDbServerResponse> done) = 0;
  virtual void IncrementInstanceCount(
      const instance::v1::IncrementInstanceCountRequest& request, absl::Time deadline,
      ResultCallback<instance::v1::IncrementInstanceCountResponse> done) = 0;
  virtual void DecrementInstanceCount(
      const instance::v1::DecrementInstanceCountRequest& request, absl::Time deadline,
      ResultCallback<instance::v1::DecrementInstanceCountResponse> done) = 0;
  virtual void AllocateDbServer(const instance::v1::AllocateDbServerRequest& request,
                                absl::Time deadline,
                                ResultCallback<instance::v1::AllocateDbServerResponse> done) = 0;
};

// The gRPC connection to instance-service described by `options`: one channel
// (round_robin over every address of a `dns:///` target, keepalive matching the
// server, gRPC's own retries disabled), credentials and metadata attached by
// decorators, and the retry policy of retry_policy.h around every call. Creating
// it does not connect; the first call does. Never fails: a bad target or an
// unreachable server shows up as UNAVAILABLE on calls.
std::shared_ptr<InstanceServiceConnection> MakeInstanceServiceConnection(ClientOptions options);

}  // namespace dbs::client

#endif  // CLIENT_INSTANCE_SERVICE_CONNECTION_H_
