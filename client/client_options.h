#ifndef CLIENT_CLIENT_OPTIONS_H_
#define CLIENT_CLIENT_OPTIONS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "client/call_observer.h"
#include "client/retry_policy.h"

namespace dbs::client {

// Transport security of the channel. Plaintext when `enabled` is false (inside a
// cluster behind a NetworkPolicy); TLS when true; mutual TLS when a client
// certificate and key are also set.
struct TlsOptions {
  bool enabled = false;
  // PEM roots that sign the server's certificate; empty means gRPC's defaults
  // (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH or the system roots).
  std::string root_certificates_pem;
  // mTLS: the client's certificate chain and private key, both PEM; set both or
  // neither.
  std::string client_certificate_chain_pem;
  std::string client_private_key_pem;
  // The same three as PEM files instead, re-read every `file_refresh` so renewed
  // certificates (cert-manager rewrites its Secret before expiry) serve new
  // connections without a restart. A file, when set, replaces its `_pem` field;
  // the certificate and key files go together.
  std::string root_certificates_file;
  std::string client_certificate_chain_file;
  std::string client_private_key_file;
  absl::Duration file_refresh = absl::Minutes(1);
  // Overrides the name checked against the server certificate (tests, IP
  // targets). Empty: the target's host name.
  std::string server_name_override;
};

// Everything MakeInstanceServiceClient() needs. A plain value: fill in the
// fields that matter and pass it by value.
struct ClientOptions {
  // gRPC target of instance-service. `dns:///name:port` resolves every address of
  // `name` (a Kubernetes headless Service) and `ipv4:a:p,b:p` lists them; both
  // balance calls round_robin over the replicas, skipping one that is down.
  // `host:port` and `unix:` targets use one connection.
  std::string target = "dns:///instance-service:50051";
  // Deadline of every call that does not pass its own (CallOptions::timeout).
  // It covers all attempts and waits of the call, not each attempt.
  absl::Duration default_timeout = absl::Seconds(10);
  // Retry policy for UNAVAILABLE; see retry_policy.h.
  RetryPolicy retry;
  // TLS / mTLS for the channel.
  TlsOptions tls;
  // When non-empty, every call carries `authorization: Bearer <token>`. Sent
  // over plaintext too, so pair it with TLS outside a trusted network.
  std::string bearer_token;
  // Extra metadata sent with every call (keys lowercase, e.g. "x-caller").
  std::map<std::string, std::string> metadata;
  // Prepended to gRPC's user agent, so servers can tell callers apart.
  std::string user_agent = "dbs-instance-service-client/0.1";
  // When set, receives one line per attempt (method, request_id, status,
  // latency); never request bodies or credentials. Called from gRPC threads:
  // keep it cheap and thread-safe (e.g. forward to LOG(INFO)).
  std::function<void(const std::string&)> call_logger;
  // Metrics: sees every call's start, its retries and its end (call_observer.h).
  // Null: none.
  std::shared_ptr<CallObserver> observer;
  // Request correlation: called on the calling thread as each call starts; a
  // non-empty result (at most 64 characters of [A-Za-z0-9._:-]) is sent as
  // `x-request-id` metadata on every attempt, and instance-service logs the call
  // under that id. A server that embeds the client returns the id of the call it
  // is serving, so one request can be followed through both services' logs
  // (database-service binds it to serving::CurrentRequestId). Unset, or "": none
  // is sent and instance-service makes one.
  std::function<std::string()> request_id_source;
};

// Per-call overrides.
struct CallOptions {
  // This call's deadline, counted from when the call starts, covering every
  // attempt and backoff. Unset: ClientOptions::default_timeout.
  std::optional<absl::Duration> timeout;
  // An absolute deadline, typically the one of the RPC this call serves (a
  // server propagating its caller's deadline). absl::InfiniteFuture(): none.
  // With both set the earlier wins; with only this set,
  // ClientOptions::default_timeout does not apply.
  absl::Time deadline = absl::InfiniteFuture();

  // A call bounded by `deadline` only.
  static CallOptions Until(absl::Time deadline) {
    CallOptions call;
    call.deadline = deadline;
    return call;
  }
};

}  // namespace dbs::client

#endif  // CLIENT_CLIENT_OPTIONS_H_
