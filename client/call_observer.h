#ifndef CLIENT_CALL_OBSERVER_H_
#define CLIENT_CALL_OBSERVER_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace dbs::client {

// Sees every call an InstanceServiceClient makes, for metrics, so that the client
// library needs no metrics library: the process that owns one implements this
// (database-service maps it onto Prometheus' grpc_client_* families) and sets
// ClientOptions::observer.
//
// ForMethod() is called once per RPC when the connection is made; each call then
// reports to its RPC's handle. One call is one Started() and one Handled(),
// however many attempts it takes; Retried() once before each further attempt.
// Handles are called from the calling thread and from gRPC's threads: keep them
// cheap, non-blocking and thread-safe.
class CallObserver {
 public:
  class Method {
   public:
    virtual ~Method() = default;
    // A call started.
    virtual void Started() = 0;
    // An attempt ended with `code` (UNAVAILABLE, by the retry policy) and the call
    // will try again after a backoff.
    virtual void Retried(absl::StatusCode code) = 0;
    // The call ended with `code` after `latency`, every attempt and backoff included.
    virtual void Handled(absl::StatusCode code, absl::Duration latency) = 0;
  };

  virtual ~CallObserver() = default;

  // The handle of one RPC; `full_method` as gRPC names it,
  // "/instance.v1.DbServerService/AllocateDbServer". Never null.
  virtual std::unique_ptr<Method> ForMethod(absl::string_view full_method) = 0;
};

}  // namespace dbs::client

#endif  // CLIENT_CALL_OBSERVER_H_
