#include "serving/call_dispatcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "glog/logging.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "serving/error_info_reason.h"

namespace dbs::serving {

CallDispatcher::CallDispatcher(BoundedExecutor* executor, StatusConverter converter,
                               CallDispatcherOptions options)
    : executor_(executor), converter_(std::move(converter)), options_(std::move(options)) {}

CallDispatcher::Method CallDispatcher::ForMethod(absl::string_view full_method) const {
  Method method;
  method.full_name_ = std::string(full_method);
  if (options_.telemetry.metrics != nullptr) {
    method.metrics_ = options_.telemetry.metrics->ForMethod(full_method);
  }
  return method;
}

grpc::Status CallDispatcher::OverloadedStatus(Refusal refusal) const {
  const std::string message =
      refusal == Refusal::kShuttingDown
          ? "the server is shutting down; retry, another replica will answer"
          : absl::StrCat("the server is at its concurrency limit (", RefusalName(refusal),
                         "); nothing was done, retry with backoff");
  return converter_(errors::WithRetryDelay(
      errors::MakeError(absl::StatusCode::kUnavailable, message, ::instance::v1::SERVER_OVERLOADED,
                        {{"cause", std::string(RefusalName(refusal))}}, options_.error_domain),
      options_.retry_delay));
}

grpc::ServerUnaryReactor* CallDispatcher::Dispatch(grpc::CallbackServerContext* context,
                                                   const Method& method,
                                                   absl::AnyInvocable<absl::Status() &&> work) {
  const absl::Time arrived = absl::Now();
  if (method.metrics_) method.metrics_->Started();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time deadline = absl::FromChrono(context->deadline());
  const RequestId request_id = RequestIdOf(*context);
  const Refusal refusal = executor_->TrySubmit(
      [this, context, reactor, deadline, &method, arrived, request_id,
       work = std::move(work)]() mutable {
        const ScopedRequestId current(request_id);
        grpc::Status status;
        // The caller may have left while the call waited for a worker.
        if (context->IsCancelled()) {
          status = grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled");
        } else if (absl::Now() >= deadline) {
          status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                "the deadline passed while the call waited for a worker");
        } else {
          status = converter_(std::move(work)());
        }
        Answer(context, reactor, method, arrived, request_id, status, /*overloaded=*/false);
      },
      deadline);
  if (refusal != Refusal::kNone) {
    const ScopedRequestId current(request_id);
    Answer(context, reactor, method, arrived, request_id, OverloadedStatus(refusal),
           /*overloaded=*/true);
  }
  return reactor;
}

void CallDispatcher::Answer(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
                            const Method& method, absl::Time arrived, const RequestId& request_id,
                            const grpc::Status& status, bool overloaded) {
  context->AddTrailingMetadata(kRequestIdHeader, std::string(request_id.view()));
  const absl::Duration latency = absl::Now() - arrived;
  const CallLogMode log_mode = options_.telemetry.call_log;
  if (status.ok()) {
    // The common case: no details to parse, no label to build.
    if (method.metrics_) method.metrics_->Handled(absl::StatusCode::kOk, "", latency);
    if (log_mode == CallLogMode::kAll) LogCall(*context, method.full_name(), status, "", latency);
  } else {
    const auto code = static_cast<absl::StatusCode>(status.error_code());
    const std::string reason = overloaded ? "SERVER_OVERLOADED" : ErrorInfoReason(status);
    if (method.metrics_) method.metrics_->Handled(code, reason, latency);
    int64_t suppressed = 0;
    if (ShouldLogCall(log_mode, code) && (!overloaded || TakeShedLine(&suppressed))) {
      if (suppressed > 0) {
        LOG(WARNING) << suppressed
                     << " more calls refused as SERVER_OVERLOADED were not logged "
                        "(dbs_serving_shed_total counts every one)";
      }
      LogCall(*context, method.full_name(), status, reason, latency);
    }
  }
  reactor->Finish(status);
}

bool CallDispatcher::TakeShedLine(int64_t* suppressed) {
  const int64_t second = absl::ToUnixSeconds(absl::Now());
  int64_t window = shed_window_.load(std::memory_order_relaxed);
  if (window != second && shed_window_.compare_exchange_strong(window, second)) {
    shed_lines_.store(0, std::memory_order_relaxed);
  }
  if (shed_lines_.fetch_add(1, std::memory_order_relaxed) >= kShedLinesPerSecond) {
    shed_suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *suppressed = shed_suppressed_.exchange(0, std::memory_order_relaxed);
  return true;
}

}  // namespace dbs::serving
