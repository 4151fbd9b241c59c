#ifndef SERVING_CALL_LOG_H_
#define SERVING_CALL_LOG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace dbs::serving {

// Which answered calls get a line in the log (--call_log, both services).
enum class CallLogMode {
  kNone,    // "none": no call lines
  kErrors,  // "errors": every call answered with a non-OK code (the default)
  kAll,     // "all": every call
};

// "none", "errors" or "all"; otherwise INVALID_ARGUMENT naming `flag` and the
// accepted values.
absl::StatusOr<CallLogMode> ParseCallLogMode(absl::string_view text, absl::string_view flag);

inline bool ShouldLogCall(CallLogMode mode, absl::StatusCode code) {
  return mode == CallLogMode::kAll ||
         (mode == CallLogMode::kErrors && code != absl::StatusCode::kOk);
}

// The caller as the authorization policy sees it (serving/authorization): the
// client certificate's first URI SAN, else its first DNS SAN, else its subject;
// without a client certificate, the peer address gRPC reports ("ipv4:10.0.0.7:51234").
std::string PeerIdentity(const grpc::ServerContextBase& context);

// Writes the one line of an answered call, e.g.
//
//   call /instance.v1.DbServerService/GetDbServer peer=spiffe://dbs.internal/database-service
//       code=NOT_FOUND reason=DB_SERVER_NOT_FOUND latency=1.204ms message="db server ... not found"
//
// (one line; the request id is in the prefix, see log_prefix.h). `reason` is the
// answer's ErrorInfo reason ("-" when none); the message, for errors only, is
// quoted with control characters escaped. Nothing else of the call is written: no
// request or response body, no metadata, so no credential can reach the log. The
// severity is WARNING for server faults (UNKNOWN, DEADLINE_EXCEEDED, INTERNAL,
// UNAVAILABLE, DATA_LOSS), INFO otherwise. Thread-safe.
void LogCall(const grpc::ServerContextBase& context, absl::string_view full_method,
             const grpc::Status& status, absl::string_view reason, absl::Duration latency);

}  // namespace dbs::serving

#endif  // SERVING_CALL_LOG_H_
