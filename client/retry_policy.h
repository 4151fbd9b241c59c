#ifndef CLIENT_RETRY_POLICY_H_
#define CLIENT_RETRY_POLICY_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace dbs::client {

// When and how InstanceServiceClient retries a failed attempt. Retries live in
// this one layer only: the client disables gRPC's own retries on its channel and
// ignores any service config a resolver offers, so attempts never multiply.
//
// The policy:
//  - Only UNAVAILABLE is retried: the server's promise that nothing was done
//    (DATABASE_UNAVAILABLE, SERVER_OVERLOADED) or a transport failure. Every other
//    code (ABORTED for an etag mismatch, DEADLINE_EXCEEDED, FAILED_PRECONDITION,
//    ...) is returned to the caller at once.
//  - Only idempotent calls are retried. Reads (List, Get, FindAvailable) are.
//    Every mutating RPC of instance.v1 carries a `request_id`: the client fills
//    in a fresh UUID4 once, before the first attempt, when the caller left it
//    empty, and sends that same id on every attempt, so the server applies the
//    effect at most once (AIP-155). UpdateDbServer always gets a request_id too,
//    with or without an etag. A call that cannot carry one is never retried.
//  - Between attempts the client waits a jittered exponential backoff: the n-th
//    wait (n = 1, 2, ...) is uniformly random in [d/2, d] with
//    d = min(max_backoff, initial_backoff * multiplier^(n-1)), and at least the
//    retry_delay of a google.rpc.RetryInfo the server attached (an overloaded
//    server, UNAVAILABLE SERVER_OVERLOADED, says how long to stay away).
//  - Bounded three ways: at most `max_attempts` attempts; no attempt starts after
//    `max_retry_time` has passed since the first one; and never beyond the
//    call's deadline: when the next wait would end at or after the deadline, the
//    client stops and returns the last UNAVAILABLE right away instead of
//    sleeping into a DEADLINE_EXCEEDED; likewise when less than
//    `min_attempt_time` would be left for the attempt. Every attempt runs under
//    the call's deadline (there is no separate per-attempt timeout).
//
// A value type; copy and change it freely.
struct RetryPolicy {
  // Total attempts including the first; 1 disables retries.
  int max_attempts = 5;
  // No retry starts later than this after the first attempt began.
  absl::Duration max_retry_time = absl::Seconds(10);
  // Upper bound of the first wait.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  // Upper bound of any single wait.
  absl::Duration max_backoff = absl::Seconds(2);
  // Growth of the wait bound per retry; >= 1.
  double backoff_multiplier = 2.0;
  // A retry starts only if at least this much of the deadline is left after the
  // wait. An attempt that cannot finish in time turns a known failure (the last
  // UNAVAILABLE: nothing was done) into an unknown outcome (DEADLINE_EXCEEDED
  // after the request may have been applied), which the caller must then settle
  // by replaying its request_id. A fault drill saw exactly that: a retry sent with
  // half a millisecond left. 20 ms is several times a loaded server's p99.
  absl::Duration min_attempt_time = absl::Milliseconds(20);
};

// Whether `status` is one the policy retries (UNAVAILABLE).
bool IsRetryable(const absl::Status& status);

// The upper bound d of the wait before retry number `retry` (1 for the wait
// after the first attempt): min(max_backoff, initial_backoff * multiplier^(retry-1)).
// The actual wait is drawn uniformly from [d/2, d].
absl::Duration BackoffBound(const RetryPolicy& policy, int retry);

}  // namespace dbs::client

#endif  // CLIENT_RETRY_POLICY_H_
