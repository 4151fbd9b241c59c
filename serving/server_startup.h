#ifndef SERVING_SERVER_STARTUP_H_
#define SERVING_SERVER_STARTUP_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"
#include "metrics/grpc_server_metrics.h"
#include "metrics/metrics_exporter.h"
#include "metrics/serving_metrics.h"
#include "serving/call_log.h"
#include "serving/grpc_host.h"
#include "serving/server_flags.h"
#include "serving/server_security.h"

// The start-up every server binary here shares, around what only it does: each step
// fails with a status naming the flag at fault, for StartupFailed().
namespace dbs::serving {

// Everything main() must do before anything else runs: the shutdown signals blocked
// before any thread exists, abseil's debug-only deadlock detection off (Debian builds
// it on: a lock-order graph updated on every Mutex::Lock), the flags parsed, glog on
// stderr with each call's x-request-id. Returns the positional arguments, argv[0]
// first.
std::vector<char*> InitServerProcess(int argc, char** argv, const char* usage);

// What the shared flags configure, checked before anything starts, so that a wrong
// value costs no migration, port or connection.
struct ServerSettings {
  CallLogMode call_log = CallLogMode::kErrors;
  ServerSecurity security;
};
absl::StatusOr<ServerSettings> CheckServerFlags(const ServerFlags& flags);

// The metrics endpoint (--metrics_listen) and the metrics every server records.
struct ServerMetrics {
  explicit ServerMetrics(std::unique_ptr<metrics::MetricsExporter> exporter_in);
  prometheus::Registry& registry() { return exporter->registry(); }

  std::unique_ptr<metrics::MetricsExporter> exporter;  // first: outlives the metrics below
  metrics::GrpcServerMetrics server;
  metrics::ServingMetrics serving;
};
absl::StatusOr<std::unique_ptr<ServerMetrics>> StartServerMetrics(const ServerFlags& flags);

// The gRPC host on --listen, draining for --drain_seconds, with the checked transport
// security. `malformed_request_status` answers a request that does not parse
// (malformed_request.h).
absl::StatusOr<std::unique_ptr<GrpcHost>> StartServerHost(
    const ServerFlags& flags, const ServerSettings& settings,
    std::function<grpc::Status(const std::string& method)> malformed_request_status,
    const std::vector<HostedService>& services);

// Logs why start-up failed; main() returns the result, EXIT_FAILURE.
int StartupFailed(const absl::Status& status);

// Returns once SIGTERM or SIGINT has arrived, logged.
void WaitForShutdown();

}  // namespace dbs::serving

#endif  // SERVING_SERVER_STARTUP_H_
