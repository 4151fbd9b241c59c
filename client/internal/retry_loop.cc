#include "client/internal/retry_loop.h"

#include "absl/random/random.h"
#include "absl/strings/cord.h"
#include "client/internal/error_payloads.h"
#include "google/rpc/error_details.pb.h"

namespace dbs::client::internal {

absl::Duration JitteredBackoff(const RetryPolicy& policy, int retry) {
  thread_local absl::BitGen generator;
  const absl::Duration bound = BackoffBound(policy, retry);
  return bound / 2 + absl::Uniform(generator, 0.0, 0.5) * bound;
}

absl::Duration ServerRetryDelay(const absl::Status& status) {
  const auto payload = status.GetPayload(kRetryInfoTypeUrl);
  google::rpc::RetryInfo retry;
  if (!payload.has_value() || !retry.ParseFromString(std::string(*payload))) {
    return absl::ZeroDuration();
  }
  return absl::Seconds(retry.retry_delay().seconds()) +
         absl::Nanoseconds(retry.retry_delay().nanos());
}

absl::Status GaveUp(const absl::Status& status, int attempts, absl::Duration elapsed) {
  absl::Status annotated(status.code(),
                         absl::StrCat(status.message(), " (gave up after ", attempts,
                                      attempts == 1 ? " attempt in " : " attempts in ",
                                      absl::FormatDuration(elapsed), ")"));
  status.ForEachPayload([&annotated](absl::string_view type_url, const absl::Cord& payload) {
    annotated.SetPayload(type_url, payload);
  });
  return annotated;
}

}  // namespace dbs::client::internal
