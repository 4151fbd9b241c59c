#include "client/retry_policy.h"

#include <algorithm>

namespace dbs::client {

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable;
}

absl::Duration BackoffBound(const RetryPolicy& policy, int retry) {
  absl::Duration bound = policy.initial_backoff;
  const double multiplier = std::max(1.0, policy.backoff_multiplier);
  for (int i = 1; i < retry && bound < policy.max_backoff; ++i) bound *= multiplier;
  return std::min(bound, policy.max_backoff);
}

}  // namespace dbs::client
