#ifndef SERVING_SERVER_SECURITY_FLAGS_H_
#define SERVING_SERVER_SECURITY_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "serving/env_default.h"
#include "serving/server_security.h"

// The transport-security and authorization flags every server binary here takes,
// each with an environment fallback under the binary's own prefix. Use once, at
// namespace scope in main.cc, then read them with ServerSecurityOptionsFromFlags():
//
//   DBS_DEFINE_SERVER_SECURITY_FLAGS("INSTANCE_SERVICE_")
//   ...
//   auto security = dbs::serving::MakeServerSecurity(ServerSecurityOptionsFromFlags());
//
// A macro because flags are defined in the binary that reads them, and the prefix
// differs per binary; the meaning of each is in serving/server_security.h.
#define DBS_DEFINE_SERVER_SECURITY_FLAGS(PREFIX)                                                   \
  ABSL_FLAG(std::string, tls_cert_file, ::dbs::serving::EnvOr(PREFIX "TLS_CERT_FILE", ""),         \
            "Server certificate chain (PEM); with --tls_key_file turns TLS on "                    \
            "[env " PREFIX "TLS_CERT_FILE]");                                                      \
  ABSL_FLAG(std::string, tls_key_file, ::dbs::serving::EnvOr(PREFIX "TLS_KEY_FILE", ""),           \
            "Server private key (PEM); never logged [env " PREFIX "TLS_KEY_FILE]");                \
  ABSL_FLAG(std::string, tls_client_ca_file,                                                       \
            ::dbs::serving::EnvOr(PREFIX "TLS_CLIENT_CA_FILE", ""),                                \
            "CA (PEM) that signs client certificates: mutual TLS "                                 \
            "[env " PREFIX "TLS_CLIENT_CA_FILE]");                                                 \
  ABSL_FLAG(bool, tls_require_client_cert,                                                         \
            ::dbs::serving::EnvOr(PREFIX "TLS_REQUIRE_CLIENT_CERT", int64_t{1}) != 0,              \
            "With TLS, refuse clients without a certificate at the handshake "                     \
            "[env " PREFIX "TLS_REQUIRE_CLIENT_CERT=0|1]");                                        \
  ABSL_FLAG(std::string, authz_policy_file, ::dbs::serving::EnvOr(PREFIX "AUTHZ_POLICY_FILE", ""), \
            "gRPC authorization policy (JSON) on the client certificate's identity; empty "        \
            "allows every call [env " PREFIX "AUTHZ_POLICY_FILE]");                                \
  ABSL_FLAG(int64_t, authz_refresh_seconds,                                                        \
            ::dbs::serving::EnvOr(PREFIX "AUTHZ_REFRESH_SECONDS", int64_t{10}),                    \
            "How often the policy file is re-read [env " PREFIX "AUTHZ_REFRESH_SECONDS]");         \
  ABSL_FLAG(std::string, health_listen, ::dbs::serving::EnvOr(PREFIX "HEALTH_LISTEN", ""),         \
            "Plaintext host:port for Kubernetes' gRPC probes when the main port uses TLS; "        \
            "needs --authz_policy_file [env " PREFIX "HEALTH_LISTEN]");                            \
  static ::dbs::serving::ServerSecurityOptions ServerSecurityOptionsFromFlags() {                  \
    ::dbs::serving::ServerSecurityOptions options;                                                 \
    options.certificate_file = absl::GetFlag(FLAGS_tls_cert_file);                                 \
    options.private_key_file = absl::GetFlag(FLAGS_tls_key_file);                                  \
    options.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);                              \
    options.require_client_certificate = absl::GetFlag(FLAGS_tls_require_client_cert);             \
    options.authorization_policy_file = absl::GetFlag(FLAGS_authz_policy_file);                    \
    options.authorization_refresh = absl::Seconds(absl::GetFlag(FLAGS_authz_refresh_seconds));     \
    options.health_listen_address = absl::GetFlag(FLAGS_health_listen);                            \
    return options;                                                                                \
  }

#endif  // SERVING_SERVER_SECURITY_FLAGS_H_
