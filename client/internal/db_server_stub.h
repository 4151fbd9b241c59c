#ifndef CLIENT_INTERNAL_DB_SERVER_STUB_H_
#define CLIENT_INTERNAL_DB_SERVER_STUB_H_

#include <memory>

#include "client/instance_service_connection.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::client::internal {

// Applies X(Name) to every RPC of instance.v1.DbServerService. Each RPC `Name`
// takes `instance::v1::Name##Request` and answers `instance::v1::Name##Response`,
// so the mechanical layers (stub, decorators, retrying connection) are written
// once per layer and cannot forget an RPC.
#define DBS_FOR_EACH_DB_SERVER_RPC(X) \
  X(ListDbServers)                    \
  X(GetDbServer)                      \
  X(CreateDbServer)                   \
  X(UpdateDbServer)                   \
  X(DeleteDbServer)                   \
  X(FindAvailableDbServer)            \
  X(IncrementInstanceCount)           \
  X(DecrementInstanceCount)           \
  X(AllocateDbServer)

// Whether a call may be sent more than once: the explicit, per-RPC idempotency
// policy of this client (google-cloud-cpp's IdempotencyPolicy, fixed here),
// rather than a guess from the request's fields.
enum class Idempotency {
  // Reads: a repeat changes nothing.
  kIdempotent,
  // Writes that carry an AIP-155 request_id: the connection fills it with a fresh
  // UUID4 when empty (once, before the first attempt), and the server answers a
  // repeat with the first result instead of applying it again.
  kIdempotentWithRequestId,
  // One attempt only (no RPC today; the policy a write without request_id gets).
  kNonIdempotent,
};

// The policy of each RPC, keyed by its request type. Every RPC of
// DBS_FOR_EACH_DB_SERVER_RPC must have one: the connection reads it, and a
// missing entry does not compile. A new RPC is added here and to the list above.
template <typename Request>
struct DbServerRpcPolicy;
#define DBS_DB_SERVER_RPC_POLICY(Name, policy)                       \
  template <>                                                        \
  struct DbServerRpcPolicy<instance::v1::Name##Request> {            \
    static constexpr Idempotency kIdempotency = Idempotency::policy; \
  };
DBS_DB_SERVER_RPC_POLICY(ListDbServers, kIdempotent)
DBS_DB_SERVER_RPC_POLICY(GetDbServer, kIdempotent)
DBS_DB_SERVER_RPC_POLICY(FindAvailableDbServer, kIdempotent)
DBS_DB_SERVER_RPC_POLICY(CreateDbServer, kIdempotentWithRequestId)
DBS_DB_SERVER_RPC_POLICY(UpdateDbServer, kIdempotentWithRequestId)
DBS_DB_SERVER_RPC_POLICY(DeleteDbServer, kIdempotentWithRequestId)
DBS_DB_SERVER_RPC_POLICY(IncrementInstanceCount, kIdempotentWithRequestId)
DBS_DB_SERVER_RPC_POLICY(DecrementInstanceCount, kIdempotentWithRequestId)
DBS_DB_SERVER_RPC_POLICY(AllocateDbServer, kIdempotentWithRequestId)
#undef DBS_DB_SERVER_RPC_POLICY

// Declares (in a class body) the DbServerStub override of RPC `Name`.
#define DBS_DECLARE_STUB_OVERRIDE(Name)                   \
  void Name(std::shared_ptr<grpc::ClientContext> context, \
            const instance::v1::Name##Request& request,   \
            ResultCallback<instance::v1::Name##Response> done) override;

// One attempt of one RPC: the layer below the retry loop. The default
// implementation is the only code that touches the generated gRPC stub (async API on the
// client's own completion queue and thread) and the
// only place grpc::Status is converted (errors::FromGrpcStatus). Decorators
// (stub_decorators.h) wrap it to add metadata, credentials and logging.
//
// `context` is fresh per attempt, with its deadline already set; implementations
// keep it alive until `done` has run. Thread-safe.
class DbServerStub {
 public:
  virtual ~DbServerStub() = default;

#define DBS_DECLARE_STUB_METHOD(Name)                             \
  virtual void Name(std::shared_ptr<grpc::ClientContext> context, \
                    const instance::v1::Name##Request& request,   \
                    ResultCallback<instance::v1::Name##Response> done) = 0;
  DBS_FOR_EACH_DB_SERVER_RPC(DBS_DECLARE_STUB_METHOD)
#undef DBS_DECLARE_STUB_METHOD
};

// The stub over the generated instance.v1.DbServerService stub on `channel`.
std::shared_ptr<DbServerStub> MakeDefaultDbServerStub(std::shared_ptr<grpc::Channel> channel);

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_DB_SERVER_STUB_H_
