#ifndef SERVING_AUTHORIZATION_AUTHORIZATION_POLICY_H_
#define SERVING_AUTHORIZATION_AUTHORIZATION_POLICY_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/authorization_policy_provider.h"

namespace dbs::serving {

// One call that gRPC's authorization engine refused. Holds no secret: no metadata,
// no certificate, only names.
struct AuthorizationDenial {
  // Full method, e.g. "/instance.v1.DbServerService/DeleteDbServer".
  std::string method;
  // The caller as the policy's "principals" see it: its certificate's first URI SAN
  // (e.g. a SPIFFE id), else its first DNS SAN, else its subject. Empty without a
  // client certificate (plaintext, or TLS without one).
  std::string principal;
  // gRPC's peer address, e.g. "ipv4:127.0.0.1:40112"; may be empty (gRPC 1.51's
  // filter does not always pass the endpoint to the engine).
  std::string peer;
  // The deny rule that matched ("<policy name>_<rule name>"), or empty when the call
  // was denied because no allow rule matched it.
  std::string deny_rule;
};

// Called once for each denied call, on a gRPC thread, before the caller sees
// PERMISSION_DENIED. Must be cheap and thread-safe.
using AuthorizationDenialObserver = std::function<void(const AuthorizationDenial&)>;

// gRPC's authorization policy (the standard JSON: "name", "allow_rules",
// "deny_rules", each rule with "source": {"principals": [...]} and "request":
// {"paths": [...], "headers": [...]}) read from `path`, enforced on every call by
// gRPC's own engine: grpc::experimental::FileWatcherAuthorizationPolicyProvider.
// Anything no allow rule matches is denied with PERMISSION_DENIED, before any
// handler or interceptor runs.
//
// The file is re-read every `refresh` (whole seconds, at least 1): a changed policy
// applies to calls that start after the reload, without a restart. A file that no
// longer parses keeps the last good policy (gRPC logs the error).
//
// `observer` (optional) sees every denial; it never changes a decision.
//
// Errors: INVALID_ARGUMENT when the file cannot be read or is not a valid policy,
// naming the path and gRPC's reason.
absl::StatusOr<std::shared_ptr<grpc::experimental::AuthorizationPolicyProviderInterface>>
WatchAuthorizationPolicyFile(const std::string& path, absl::Duration refresh,
                             AuthorizationDenialObserver observer);

}  // namespace dbs::serving

#endif  // SERVING_AUTHORIZATION_AUTHORIZATION_POLICY_H_
