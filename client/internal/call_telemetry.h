#ifndef CLIENT_INTERNAL_CALL_TELEMETRY_H_
#define CLIENT_INTERNAL_CALL_TELEMETRY_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "client/call_observer.h"

namespace dbs::client::internal {

// The metadata key a call's correlation id travels in; servers log the call under
// it (serving/request_id.h).
inline constexpr char kRequestIdMetadata[] = "x-request-id";

// What a connection reports about its calls and forwards with them, from
// ClientOptions::observer and ClientOptions::request_id_source.
struct ConnectionTelemetry {
  std::shared_ptr<CallObserver> observer;
  std::function<std::string()> request_id_source;
};

// What one call reports and forwards; the retry loop acts on it.
struct CallTelemetry {
  // The call's RPC handle; owned by the connection. Null: nothing reported.
  CallObserver::Method* observer = nullptr;
  // Sent as x-request-id on every attempt when non-empty.
  std::string request_id;
};

// The request id `source` gives for a call starting now, or "" when it gives none
// or one a server would not take (over 64 characters, or outside [A-Za-z0-9._:-]):
// a malformed metadata value would fail the call, a missing one only makes the
// server pick its own.
std::string ForwardedRequestId(const std::function<std::string()>& source);

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_CALL_TELEMETRY_H_
