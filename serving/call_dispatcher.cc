#include "serving/call_dispatcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "errors/error_status.h"

namespace dbs::serving {

CallDispatcher::CallDispatcher(BoundedExecutor* executor, StatusConverter converter,
                               CallDispatcherOptions options)
    : executor_(executor), converter_(std::move(converter)), options_(std::move(options)) {}

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
                                                   absl::AnyInvocable<absl::Status() &&> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time deadline = absl::FromChrono(context->deadline());
  const Refusal refusal = executor_->TrySubmit(
      [this, context, reactor, deadline, work = std::move(work)]() mutable {
        // The caller may have left while the call waited for a worker.
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"));
          return;
        }
        if (absl::Now() >= deadline) {
          reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                       "the deadline passed while the call waited for a worker"));
          return;
        }
        reactor->Finish(converter_(std::move(work)()));
      },
      deadline);
  if (refusal != Refusal::kNone) reactor->Finish(OverloadedStatus(refusal));
  return reactor;
}

}  // namespace dbs::serving
