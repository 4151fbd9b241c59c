#ifndef METRICS_METRICS_EXPORTER_H_
#define METRICS_METRICS_EXPORTER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace dbs::metrics {

// One per process: the prometheus::Registry every metric of the process lives in,
// and the HTTP endpoint Prometheus scrapes (`GET /metrics`, the text exposition
// format written by prometheus-cpp; nothing here formats samples by hand).
//
//   // main.cc, before anything that records metrics:
//   auto exporter = dbs::metrics::MetricsExporter::Start(absl::GetFlag(FLAGS_metrics_listen));
//   if (!exporter.ok()) { LOG(ERROR) << exporter.status(); return EXIT_FAILURE; }
//   LOG(INFO) << (*exporter)->Describe();
//   dbs::metrics::GrpcServerMetrics server_metrics((*exporter)->registry());
//
// The endpoint runs on its own port and threads (civetweb, two threads), apart from
// gRPC, so a saturated server can still be scraped. Declare the exporter before
// (so it is destroyed after) every metrics object made from its registry.
//
// Thread-safe. Not copyable.
class MetricsExporter {
 public:
  // Serves the registry on `listen_address`:
  //   "host:port"  IPv4 literal or "[IPv6]" host; port 0 picks a free port (port())
  //   ""           no endpoint: metrics are recorded but not served (disabled)
  // Errors: INVALID_ARGUMENT naming the rule when the address is malformed;
  // UNAVAILABLE when it cannot be bound (in use, not a local address).
  static absl::StatusOr<std::unique_ptr<MetricsExporter>> Start(const std::string& listen_address);

  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() const { return registry_; }

  // Whether an endpoint is serving (false when started with "").
  bool serving() const { return exposer_ != nullptr; }
  // The port actually bound; 0 when not serving.
  int port() const { return port_; }
  // "http://host:port/metrics", or "" when not serving.
  std::string url() const;
  // One line for the start-up log: the URL, or that metrics are not served.
  std::string Describe() const;

  // The registry in the text exposition format, as a scrape would return it.
  std::string Scrape() const;

 private:
  MetricsExporter(std::shared_ptr<prometheus::Registry> registry,
                  std::unique_ptr<prometheus::Exposer> exposer, std::string host, int port);

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string host_;
  int port_ = 0;
};

// `registry` in the text exposition format (prometheus::TextSerializer).
std::string RenderText(const prometheus::Registry& registry);

}  // namespace dbs::metrics

#endif  // METRICS_METRICS_EXPORTER_H_
