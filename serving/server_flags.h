#ifndef SERVING_SERVER_FLAGS_H_
#define SERVING_SERVER_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "serving/env_flag.h"
#include "serving/server_security.h"

namespace dbs::serving {

// The settings every server binary here takes, as read from its flags.
struct ServerFlags {
  std::string listen_address;          // --listen
  absl::Duration drain_grace;          // --drain_seconds
  std::string metrics_listen_address;  // --metrics_listen
  std::string call_log;                // --call_log
  int64_t max_queued_calls = 0;        // --max_queued_calls
  ServerSecurityOptions security;      // --tls_*, --authz_*, --health_listen
};

}  // namespace dbs::serving

// Defines the flags every server binary here takes, each with an environment fallback
// under the binary's own prefix, and ServerFlagsFromFlags() to read them. Use once, at
// namespace scope in main.cc:
//
//   DBS_DEFINE_SERVER_FLAGS("INSTANCE_SERVICE_", "127.0.0.1:50051", "127.0.0.1:9464",
//                           int64_t{1024})
//   ...
//   const dbs::serving::ServerFlags server_flags = ServerFlagsFromFlags();
//
// A macro because flags are defined in the binary that reads them, and the prefix
// differs per binary; the meaning of the security ones is in serving/server_security.h.
#define DBS_DEFINE_SERVER_FLAGS(PREFIX, LISTEN, METRICS_LISTEN, MAX_QUEUED_CALLS)                  \
  DBS_ENV_FLAG(std::string, listen, PREFIX "LISTEN", LISTEN, "gRPC listen address host:port");     \
  DBS_ENV_FLAG(int64_t, drain_seconds, PREFIX "DRAIN_SECONDS", int64_t{20},                        \
               "Grace period for in-flight calls on SIGTERM");                                     \
  DBS_ENV_FLAG(std::string, metrics_listen, PREFIX "METRICS_LISTEN", METRICS_LISTEN,               \
               "Prometheus metrics endpoint host:port (GET /metrics); port 0 picks a free one, "   \
               "empty disables it");                                                               \
  DBS_ENV_FLAG(std::string, call_log, PREFIX "CALL_LOG", "errors",                                 \
               "One log line per answered call (method, caller, code, reason, latency, "           \
               "x-request-id): none, errors (calls answered with an error) or all");               \
  DBS_ENV_FLAG(int64_t, max_queued_calls, PREFIX "MAX_QUEUED_CALLS", MAX_QUEUED_CALLS,             \
               "Calls waiting for a handler thread; more (or calls whose deadline cannot be met) " \
               "are refused with UNAVAILABLE SERVER_OVERLOADED");                                  \
  DBS_ENV_FLAG(std::string, tls_cert_file, PREFIX "TLS_CERT_FILE", "",                             \
               "Server certificate chain (PEM); with --tls_key_file turns TLS on");                \
  DBS_ENV_FLAG(std::string, tls_key_file, PREFIX "TLS_KEY_FILE", "",                               \
               "Server private key (PEM); never logged");                                          \
  DBS_ENV_FLAG(std::string, tls_client_ca_file, PREFIX "TLS_CLIENT_CA_FILE", "",                   \
               "CA (PEM) that signs client certificates: mutual TLS");                             \
  DBS_ENV_BOOL_FLAG(tls_require_client_cert, PREFIX "TLS_REQUIRE_CLIENT_CERT", true,               \
                    "With TLS, refuse clients without a certificate at the handshake");            \
  DBS_ENV_FLAG(std::string, authz_policy_file, PREFIX "AUTHZ_POLICY_FILE", "",                     \
               "gRPC authorization policy (JSON) on the client certificate's identity; empty "     \
               "allows every call");                                                               \
  DBS_ENV_FLAG(int64_t, authz_refresh_seconds, PREFIX "AUTHZ_REFRESH_SECONDS", int64_t{10},        \
               "How often the policy file is re-read");                                            \
  DBS_ENV_FLAG(std::string, health_listen, PREFIX "HEALTH_LISTEN", "",                             \
               "Plaintext host:port for Kubernetes' gRPC probes when the main port uses TLS; "     \
               "needs --authz_policy_file");                                                       \
  static ::dbs::serving::ServerFlags ServerFlagsFromFlags() {                                      \
    ::dbs::serving::ServerFlags flags;                                                             \
    flags.listen_address = absl::GetFlag(FLAGS_listen);                                            \
    flags.drain_grace = absl::Seconds(absl::GetFlag(FLAGS_drain_seconds));                         \
    flags.metrics_listen_address = absl::GetFlag(FLAGS_metrics_listen);                            \
    flags.call_log = absl::GetFlag(FLAGS_call_log);                                                \
    flags.max_queued_calls = absl::GetFlag(FLAGS_max_queued_calls);                                \
    ::dbs::serving::ServerSecurityOptions& security = flags.security;                              \
    security.certificate_file = absl::GetFlag(FLAGS_tls_cert_file);                                \
    security.private_key_file = absl::GetFlag(FLAGS_tls_key_file);                                 \
    security.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);                             \
    security.require_client_certificate = absl::GetFlag(FLAGS_tls_require_client_cert);            \
    security.authorization_policy_file = absl::GetFlag(FLAGS_authz_policy_file);                   \
    security.authorization_refresh = absl::Seconds(absl::GetFlag(FLAGS_authz_refresh_seconds));    \
    security.health_listen_address = absl::GetFlag(FLAGS_health_listen);                           \
    return flags;                                                                                  \
  }

#endif  // SERVING_SERVER_FLAGS_H_
