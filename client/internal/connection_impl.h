#ifndef CLIENT_INTERNAL_CONNECTION_IMPL_H_
#define CLIENT_INTERNAL_CONNECTION_IMPL_H_

#include <memory>

#include "client/instance_service_connection.h"
#include "client/internal/call_telemetry.h"
#include "client/internal/db_server_stub.h"
#include "client/internal/request_id.h"
#include "client/internal/retry_loop.h"
#include "client/retry_policy.h"

namespace dbs::client::internal {

// The gRPC InstanceServiceConnection: fills in request ids, then runs each call
// through RetryLoop over `stub` (normally the decorated default stub; tests pass
// a scripted one).
class InstanceServiceConnectionImpl : public InstanceServiceConnection {
 public:
  // `telemetry`: who hears of each call (metrics) and what request id it forwards.
  InstanceServiceConnectionImpl(std::shared_ptr<DbServerStub> stub, RetryPolicy retry,
                                ConnectionTelemetry telemetry = {});
  // Waits for calls still in flight (each ends by its deadline), then releases
  // the stub, its channel and its completion queue thread.
  ~InstanceServiceConnectionImpl() override;

#define DBS_DECLARE_CONNECTION_OVERRIDE(Name)                                \
  void Name(const instance::v1::Name##Request& request, absl::Time deadline, \
            ResultCallback<instance::v1::Name##Response> done) override;
  DBS_FOR_EACH_DB_SERVER_RPC(DBS_DECLARE_CONNECTION_OVERRIDE)
#undef DBS_DECLARE_CONNECTION_OVERRIDE

 private:
  std::shared_ptr<DbServerStub> stub_;
  RetryPolicy retry_;
  std::function<std::string()> request_id_source_;
  // Per RPC, the observer's handle (null without an observer).
#define DBS_DECLARE_OBSERVER_HANDLE(Name) std::unique_ptr<CallObserver::Method> Name##_observer_;
  DBS_FOR_EACH_DB_SERVER_RPC(DBS_DECLARE_OBSERVER_HANDLE)
#undef DBS_DECLARE_OBSERVER_HANDLE
  std::shared_ptr<InFlightCalls> in_flight_ = std::make_shared<InFlightCalls>();
};

// Applies the RPC's idempotency policy (DbServerRpcPolicy, db_server_stub.h) to
// `request` before its first attempt: a kIdempotentWithRequestId request gets a
// fresh UUID4 request_id when it has none. Returns whether the call may be sent
// more than once.
template <typename Request>
bool PrepareForRetries(Request& request) {
  constexpr Idempotency policy = DbServerRpcPolicy<Request>::kIdempotency;
  if constexpr (policy == Idempotency::kIdempotentWithRequestId) {
    if (request.request_id().empty()) request.set_request_id(NewRequestId());
  }
  return policy != Idempotency::kNonIdempotent;
}

// `stub` wrapped by the decorators `options` asks for: metadata (bearer token,
// extra metadata) and, when options.call_logger is set, logging (outermost, so
// it sees what the retry loop sees).
std::shared_ptr<DbServerStub> DecorateStub(std::shared_ptr<DbServerStub> stub,
                                           const ClientOptions& options);

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_CONNECTION_IMPL_H_
