#ifndef SERVING_CALL_DISPATCHER_H_
#define SERVING_CALL_DISPATCHER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "metrics/grpc_server_metrics.h"
#include "serving/bounded_executor.h"
#include "serving/call_log.h"
#include "serving/request_id.h"

namespace dbs::serving {

// Turns a service's absl::Status into the grpc::Status it sends (the one place
// each service does that, e.g. instance-service's ToGrpcStatus).
using StatusConverter = std::function<grpc::Status(const absl::Status&)>;

// What the serving core records about every call it answers. Set once in main.
struct CallTelemetry {
  // grpc_server_started_total, grpc_server_handled_total{grpc_code,reason} and
  // grpc_server_handling_seconds; null: none. Not owned; outlives the dispatcher.
  metrics::GrpcServerMetrics* metrics = nullptr;
  // Which answered calls get a log line (--call_log).
  CallLogMode call_log = CallLogMode::kErrors;
};

struct CallDispatcherOptions {
  // google.rpc.ErrorInfo.domain of the overload answer ("instance.internal").
  std::string error_domain;
  // The google.rpc.RetryInfo delay suggested to a refused caller.
  absl::Duration retry_delay = absl::Milliseconds(100);
  CallTelemetry telemetry;
};

// The serving core's front door for unary callback handlers (gRPC's callback API):
// the handler returns at once, its blocking work runs on a BoundedExecutor, and the
// call finishes when the work does. gRPC's threads never block, so health checks
// and reflection always answer, however busy the service is.
//
//   // once, e.g. a member initialised in the service's constructor:
//   const CallDispatcher::Method get_ =
//       dispatcher_.ForMethod("/instance.v1.DbServerService/GetDbServer");
//   grpc::ServerUnaryReactor* GetDbServer(grpc::CallbackServerContext* context,
//                                         const GetDbServerRequest* request,
//                                         GetDbServerResponse* response) override {
//     return dispatcher_.Dispatch(context, get_, [=]() -> absl::Status { ... });
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
// Every call, refused ones included, is counted in the telemetry's metrics (from
// its arrival to its answer, with the answer's ErrorInfo reason) and, as
// --call_log says, logged in one line (call_log.h). Each call carries a request id
// (request_id.h: the caller's `x-request-id`, or a new one): it is the current
// request id while the work runs, so every log line of the call shows it, and the
// answer echoes it in its trailing metadata. Refusals are logged at most
// kShedLinesPerSecond a second (the rest are counted in the next line they let
// through, and exactly in dbs_serving_shed_total), so an overload is not made
// worse by its own log.
//
// Thread-safe; the executor must outlive the calls dispatched through it.
class CallDispatcher {
 public:
  // One RPC of the service: its name and metrics series, made once by ForMethod
  // and passed to every Dispatch of that RPC, so no call looks anything up.
  // Must outlive the calls dispatched with it.
  class Method {
   public:
    const std::string& full_name() const { return full_name_; }

   private:
    friend class CallDispatcher;
    std::string full_name_;
    std::optional<metrics::GrpcServerMetrics::Method> metrics_;
  };

  static constexpr int kShedLinesPerSecond = 10;

  CallDispatcher(BoundedExecutor* executor, StatusConverter converter,
                 CallDispatcherOptions options);

  // `full_method` as gRPC names it: "/package.Service/Method". Creates the
  // method's series (at zero).
  Method ForMethod(absl::string_view full_method) const;

  // Runs `work` for the call of `context` on the executor, then finishes the call
  // with `work`'s status converted; `work` fills the response before it returns OK.
  grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* context, const Method& method,
                                     absl::AnyInvocable<absl::Status() &&> work);

  // The answer to a call refused for `refusal`.
  grpc::Status OverloadedStatus(Refusal refusal) const;

 private:
  // Records and logs the call, echoes its request id, and finishes it.
  // `overloaded`: refused by the executor (reason SERVER_OVERLOADED, known).
  void Answer(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
              const Method& method, absl::Time arrived, const RequestId& request_id,
              const grpc::Status& status, bool overloaded);
  // Whether one more refusal line fits this second's budget; `suppressed` gets
  // how many were dropped since the last line let through.
  bool TakeShedLine(int64_t* suppressed);

  BoundedExecutor* executor_;
  StatusConverter converter_;
  CallDispatcherOptions options_;
  std::atomic<int64_t> shed_window_{0};  // the second the budget counts in
  std::atomic<int> shed_lines_{0};       // lines written in that second
  std::atomic<int64_t> shed_suppressed_{0};
};

}  // namespace dbs::serving

#endif  // SERVING_CALL_DISPATCHER_H_
