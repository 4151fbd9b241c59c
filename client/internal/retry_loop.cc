#include "client/internal/retry_loop.h"

#include "absl/random/random.h"
#include "errors/error_status.h"

namespace dbs::client::internal {

absl::Duration JitteredBackoff(const RetryPolicy& policy, int retry) {
  thread_local absl::BitGen generator;
  const absl::Duration bound = BackoffBound(policy, retry);
  return bound / 2 + absl::Uniform(generator, 0.0, 0.5) * bound;
}

absl::Status GaveUp(const absl::Status& status, int attempts, absl::Duration elapsed) {
  return errors::WithMessage(status, absl::StrCat(status.message(), " (gave up after ", attempts,
                                                  attempts == 1 ? " attempt in " : " attempts in ",
                                                  absl::FormatDuration(elapsed), ")"));
}

}  // namespace dbs::client::internal
