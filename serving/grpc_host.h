#ifndef SERVING_GRPC_HOST_H_
#define SERVING_GRPC_HOST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/authorization_policy_provider.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/support/server_interceptor.h"

namespace dbs::serving {

// How a process serves gRPC. Everything a later concern (mTLS, per-caller
// authorization, metrics) needs plugs in here rather than into handlers.
struct GrpcHostOptions {
  // host:port to listen on; port 0 picks a free port (see GrpcHost::port()).
  std::string listen_address = "127.0.0.1:0";
  // How long Shutdown() lets in-flight calls finish before cancelling them. Keep
  // Kubernetes' terminationGracePeriodSeconds above this.
  absl::Duration drain_grace = absl::Seconds(20);
  // Transport security; insecure by default (plaintext inside the cluster). TLS and
  // mTLS: serving/server_security.h.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // gRPC's authorization policy engine (serving/server_security.h); null: every call
  // is allowed.
  std::shared_ptr<grpc::experimental::AuthorizationPolicyProviderInterface> authorization;
  // When set, a second, plaintext listener with the same services, for probes that
  // cannot speak TLS; only with an authorization policy (see ServerSecurityOptions).
  std::string plaintext_health_listen_address;
  // Interceptors run, in order, around every call: the seam for authorization,
  // metrics and request logging.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
};

// A service to host, with the full name health checks use for its readiness
// (for generated services: `instance::v1::DbServerService::service_full_name()`).
// Services implement gRPC's callback API and hand blocking work to a
// BoundedExecutor through a CallDispatcher (call_dispatcher.h); the host has no
// thread pool of its own for them.
struct HostedService {
  grpc::Service* service;  // not owned; must outlive the host
  std::string name;
};

// A started gRPC server with the standard health service (grpc.health.v1.Health)
// and server reflection, plus the services passed to Start().
//
// Health: service "" (liveness) is SERVING while the process runs; each hosted
// service's readiness is whatever SetServing() last said, SERVING initially.
// Shutdown() flips everything to NOT_SERVING first, so load balancers and
// Kubernetes stop routing before the listener closes.
//
// Thread-safe: SetServing() may be called from any thread; Shutdown() once.
class GrpcHost {
 public:
  // Builds and starts the server; each service starts SERVING. Fails with
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcHost>> Start(
      GrpcHostOptions options, const std::vector<HostedService>& services);

  GrpcHost(const GrpcHost&) = delete;
  GrpcHost& operator=(const GrpcHost&) = delete;
  ~GrpcHost();

  // The port actually bound.
  int port() const { return port_; }

  // Sets the health status of `service` (a full service name such as
  // "instance.v1.DbServerService"). Ignored after Shutdown().
  void SetServing(const std::string& service, bool serving);

  // NOT_SERVING for all services, stop accepting calls, let in-flight calls
  // finish for up to drain_grace, then cancel the rest. Returns when the server
  // has stopped. Idempotent.
  void Shutdown();

 private:
  GrpcHost(std::unique_ptr<grpc::Server> server, int port, absl::Duration drain_grace);

  std::unique_ptr<grpc::Server> server_;
  int port_;
  absl::Duration drain_grace_;
  bool shut_down_ = false;
};

}  // namespace dbs::serving

#endif  // SERVING_GRPC_HOST_H_
