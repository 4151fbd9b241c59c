#ifndef SERVING_CALL_DISPATCHER_H_
#define SERVING_CALL_DISPATCHER_H_

#include <functional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "serving/bounded_executor.h"

namespace dbs::serving {

// Turns a service's absl::Status into the grpc::Status it sends (the one place
// each service does that, e.g. instance-service's ToGrpcStatus).
using StatusConverter = std::function<grpc::Status(const absl::Status&)>;

struct CallDispatcherOptions {
  // google.rpc.ErrorInfo.domain of the overload answer ("instance.internal").
  std::string error_domain;
  // The google.rpc.RetryInfo delay suggested to a refused caller.
  absl::Duration retry_delay = absl::Milliseconds(100);
};

// The serving core's front door for unary callback handlers (gRPC's callback API):
// the handler returns at once, its blocking work runs on a BoundedExecutor, and the
// call finishes when the work does. gRPC's threads never block, so health checks
// and reflection always answer, however busy the service is.
//
//   grpc::ServerUnaryReactor* GetDbServer(grpc::CallbackServerContext* context,
//                                         const GetDbServerRequest* request,
//                                         GetDbServerResponse* response) override {
//     return dispatcher_.Dispatch(context, [=]() -> absl::Status { ... });
//   }
//
// Overload is never RESOURCE_EXHAUSTED (that code means "no capacity" here): a call
// the executor refuses (queue full, or its deadline cannot be met at the current
// pace, or shutting down) ends at once, before any work, with UNAVAILABLE, a
// google.rpc.ErrorInfo with reason SERVER_OVERLOADED (metadata `cause`: the
// Refusal) and a google.rpc.RetryInfo: safe to retry with backoff.
//
// A queued call whose caller is gone by the time a worker takes it (cancelled, or
// past its deadline) is finished without running its work.
//
// Thread-safe; the executor must outlive the calls dispatched through it.
class CallDispatcher {
 public:
  CallDispatcher(BoundedExecutor* executor, StatusConverter converter,
                 CallDispatcherOptions options);

  // Runs `work` for the call of `context` on the executor, then finishes the call
  // with `work`'s status converted; `work` fills the response before it returns OK.
  grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* context,
                                     absl::AnyInvocable<absl::Status() &&> work);

  // The answer to a call refused for `refusal`.
  grpc::Status OverloadedStatus(Refusal refusal) const;

 private:
  BoundedExecutor* executor_;
  StatusConverter converter_;
  CallDispatcherOptions options_;
};

}  // namespace dbs::serving

#endif  // SERVING_CALL_DISPATCHER_H_
