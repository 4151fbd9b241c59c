#ifndef SERVING_SERVER_SECURITY_H_
#define SERVING_SERVER_SECURITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/authorization_policy_provider.h"
#include "grpcpp/security/server_credentials.h"

namespace dbs::serving {

// Who may talk to a server, and what each caller may call. Both services fill it
// from the same flags (each with its own environment prefix), which the error
// messages below name. Everything empty: plaintext, every call allowed (the local
// stack, and tests).
struct ServerSecurityOptions {
  // TLS: the server's certificate chain and private key, PEM files. Both or neither.
  std::string certificate_file;  // --tls_cert_file
  std::string private_key_file;  // --tls_key_file
  // mTLS: the CA (PEM) that signs client certificates. A client certificate it did
  // not sign fails the handshake.
  std::string client_ca_file;  // --tls_client_ca_file
  // Refuse, at the handshake, clients that present no certificate. On by default:
  // TLS without client certificates must be asked for (false).
  bool require_client_certificate = true;  // --tls_require_client_cert
  // How often the three files are re-read, so a renewed certificate (cert-manager
  // rewrites the Secret before expiry) serves new connections without a restart.
  absl::Duration certificate_refresh = absl::Minutes(1);

  // gRPC's authorization policy JSON (see authorization/authorization_policy.h),
  // keyed on the client certificate's identity. Empty: every call allowed.
  std::string authorization_policy_file;  // --authz_policy_file
  // How often the policy file is re-read (whole seconds).
  absl::Duration authorization_refresh = absl::Seconds(10);  // --authz_refresh_seconds

  // A second listener, always plaintext, for Kubernetes' gRPC probes (the kubelet
  // cannot speak TLS). It serves the same services, so it needs an authorization
  // policy: a plaintext caller has no principal, so only rules without a "source"
  // (the health service, in deploy/authz) admit it. Empty: none.
  std::string health_listen_address;  // --health_listen
};

// What GrpcHostOptions takes.
struct ServerSecurity {
  // TLS or mTLS credentials; insecure when no certificate is configured.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // gRPC's policy engine over the policy file; null when there is no policy. Each
  // denied call is logged once at WARNING: method, principal, peer, rule. Never a
  // certificate, a header or a message body.
  std::shared_ptr<grpc::experimental::AuthorizationPolicyProviderInterface> authorization;
  std::string health_listen_address;
  // One line for the start-up log, e.g. "mTLS (client certificate required),
  // authorization policy /etc/x/policy.json".
  std::string summary;
};

// Checks the options (pairs, required companions, each file readable and holding
// PEM of the right kind, the policy valid) and builds the credentials and the
// policy provider. INVALID_ARGUMENT naming the flag and the rule otherwise.
absl::StatusOr<ServerSecurity> MakeServerSecurity(const ServerSecurityOptions& options);

}  // namespace dbs::serving

#endif  // SERVING_SERVER_SECURITY_H_
