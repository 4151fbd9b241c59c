#include "serving/call_dispatcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

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
  google::rpc::ErrorInfo info;
  info.set_reason("SERVER_OVERLOADED");
  info.set_domain(options_.error_domain);
  (*info.mutable_metadata())["cause"] = RefusalName(refusal);
  google::rpc::RetryInfo retry;
  const int64_t delay_ns = absl::ToInt64Nanoseconds(options_.retry_delay);
  retry.mutable_retry_delay()->set_seconds(delay_ns / 1'000'000'000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(delay_ns % 1'000'000'000));
  google::rpc::Status details;
  details.set_code(google::rpc::UNAVAILABLE);
  details.set_message(message);
  details.add_details()->PackFrom(info);
  details.add_details()->PackFrom(retry);
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, message, details.SerializeAsString());
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
