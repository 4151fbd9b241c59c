#ifndef CLIENT_INTERNAL_RETRY_LOOP_H_
#define CLIENT_INTERNAL_RETRY_LOOP_H_

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/internal/call_telemetry.h"
#include "client/internal/db_server_stub.h"
#include "client/retry_policy.h"
#include "errors/error_status.h"
#include "grpc/grpc.h"
#include "grpcpp/alarm.h"

namespace dbs::client::internal {

// Counts the calls of one connection that have not yet delivered their result,
// so the connection's destructor can wait for them: calls never own the stub
// (and with it the channel and the completion queue thread), the connection
// does, and it releases them only once no call can touch them again.
// Thread-safe.
class InFlightCalls {
 public:
  void Begin() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  void End() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  // Blocks until no call is in flight. Calls end by their deadline.
  void WaitUntilIdle() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* count) { return *count == 0; }, &count_));
  }

 private:
  absl::Mutex mu_;
  int count_ = 0;
};

// Holds gRPC initialised while it lives, through gRPC's public C API (the
// refcounted grpc_init/grpc_shutdown pair) rather than the deprecated
// grpcpp/impl/codegen/grpc_library.h.
class GrpcInitHold {
 public:
  GrpcInitHold() { grpc_init(); }
  ~GrpcInitHold() { grpc_shutdown(); }
  GrpcInitHold(const GrpcInitHold&) = delete;
  GrpcInitHold& operator=(const GrpcInitHold&) = delete;
};

// A wait drawn uniformly from [d/2, d], d = BackoffBound(policy, retry).
// Thread-safe.
absl::Duration JitteredBackoff(const RetryPolicy& policy, int retry);

// `status` with " (gave up after N attempts in T)" appended, payloads kept.
absl::Status GaveUp(const absl::Status& status, int attempts, absl::Duration elapsed);

// Runs one call through the retry policy of retry_policy.h without blocking:
// attempts go through `stub`, waits are gRPC alarms, and `done` runs exactly once
// with the first success, the first non-retryable error, or the last UNAVAILABLE
// once attempts, retry time or the deadline are spent. The request (including
// its request_id) is the same on every attempt. `telemetry` hears of the call's
// start, each retry and its end, and its request id goes with every attempt.
template <typename Request, typename Response>
class RetryLoop : public std::enable_shared_from_this<RetryLoop<Request, Response>> {
 public:
  using StubMethod = void (DbServerStub::*)(std::shared_ptr<grpc::ClientContext>, const Request&,
                                            ResultCallback<Response>);

  // `idempotent`: whether a repeat of `request` is safe; otherwise there is one
  // attempt only.
  // `stub` must stay alive while `in_flight` counts the call (see InFlightCalls).
  static void Start(DbServerStub* stub, std::shared_ptr<InFlightCalls> in_flight, StubMethod method,
                    const RetryPolicy& policy, bool idempotent, Request request,
                    absl::Time deadline, ResultCallback<Response> done,
                    CallTelemetry telemetry = {}) {
    in_flight->Begin();
    if (telemetry.observer != nullptr) telemetry.observer->Started();
    std::shared_ptr<RetryLoop> loop(new RetryLoop(stub, std::move(in_flight), method, policy,
                                                  idempotent, std::move(request), deadline,
                                                  std::move(done), std::move(telemetry)));
    loop->Attempt();
  }

 private:
  RetryLoop(DbServerStub* stub, std::shared_ptr<InFlightCalls> in_flight, StubMethod method,
            const RetryPolicy& policy, bool idempotent, Request request, absl::Time deadline,
            ResultCallback<Response> done, CallTelemetry telemetry)
      : stub_(stub),
        in_flight_(std::move(in_flight)),
        method_(method),
        policy_(policy),
        idempotent_(idempotent),
        request_(std::move(request)),
        deadline_(deadline),
        done_(std::move(done)),
        telemetry_(std::move(telemetry)),
        first_attempt_(absl::Now()) {}

  void Attempt() {
    ++attempts_;
    auto context = std::make_shared<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(deadline_));
    if (!telemetry_.request_id.empty()) {
      context->AddMetadata(kRequestIdMetadata, telemetry_.request_id);
    }
    ((*stub_).*method_)(std::move(context), request_,
                        [self = this->shared_from_this()](absl::StatusOr<Response> result) {
                          self->OnAttemptDone(std::move(result));
                        });
  }

  void OnAttemptDone(absl::StatusOr<Response> result) {
    if (result.ok() || !idempotent_ || !IsRetryable(result.status())) {
      Finish(std::move(result));
      return;
    }
    const absl::Time now = absl::Now();
    // A server that says when to come back (RetryInfo) is not asked sooner.
    const absl::Time resume =
        now + std::max(JitteredBackoff(policy_, attempts_), errors::RetryDelayOf(result.status()));
    if (attempts_ >= policy_.max_attempts || resume + policy_.min_attempt_time > deadline_ ||
        resume > first_attempt_ + policy_.max_retry_time) {
      Finish(GaveUp(result.status(), attempts_, now - first_attempt_));
      return;
    }
    if (telemetry_.observer != nullptr) telemetry_.observer->Retried(result.status().code());
    // The alarm owns itself through its callback and is released there once it
    // has fired; the loop stays alive through `self`.
    auto alarm = std::make_shared<grpc::Alarm>();
    alarm->Set(absl::ToChronoTime(resume), [self = this->shared_from_this(), alarm](bool) mutable {
      alarm.reset();
      self->Attempt();
    });
  }

  // The stub is not used after this: the connection may go away once `done_`
  // has the result.
  void Finish(absl::StatusOr<Response> result) {
    if (telemetry_.observer != nullptr) {
      telemetry_.observer->Handled(result.status().code(), absl::Now() - first_attempt_);
    }
    in_flight_->End();
    done_(std::move(result));
  }

  // Keeps gRPC initialised while the loop lives: the stub need not own a channel
  // (tests), and an alarm must never be the last gRPC object when the next one
  // is created, or gRPC shuts down underneath it.
  GrpcInitHold grpc_library_;
  DbServerStub* stub_;
  std::shared_ptr<InFlightCalls> in_flight_;
  StubMethod method_;
  RetryPolicy policy_;
  bool idempotent_;
  Request request_;
  absl::Time deadline_;
  ResultCallback<Response> done_;
  CallTelemetry telemetry_;
  absl::Time first_attempt_;
  int attempts_ = 0;
};

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_RETRY_LOOP_H_
