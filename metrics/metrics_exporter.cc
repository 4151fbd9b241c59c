#include "metrics/metrics_exporter.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"
#include "prometheus/text_serializer.h"

namespace dbs::metrics {
namespace {

// Splits "host:port" / "[v6]:port"; the host is returned as civetweb wants it.
absl::Status ParseListenAddress(const std::string& address, std::string* host, int* port) {
  const auto invalid = [&address] {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics listen address \"", address,
                     "\" must be host:port with an IPv4 literal or [IPv6] host and a port 0..65535 "
                     "(0 picks a free port), or empty to disable the endpoint"));
  };
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return invalid();
  *host = address.substr(0, colon);
  if (absl::StartsWith(*host, "[") != absl::EndsWith(*host, "]")) return invalid();
  const std::string port_text = address.substr(colon + 1);
  if (port_text.empty() || !absl::SimpleAtoi(port_text, port) || *port < 0 || *port > 65535) {
    return invalid();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsExporter>> MetricsExporter::Start(
    const std::string& listen_address) {
  auto registry = std::make_shared<prometheus::Registry>();
  if (listen_address.empty()) {
    return std::unique_ptr<MetricsExporter>(
        new MetricsExporter(std::move(registry), nullptr, "", 0));
  }
  std::string host;
  int port = 0;
  if (absl::Status valid = ParseListenAddress(listen_address, &host, &port); !valid.ok()) {
    return valid;
  }
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // prometheus-cpp reports a failed bind (and nothing else here) by throwing.
    exposer = std::make_unique<prometheus::Exposer>(listen_address, /*num_threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen_address, ": ", e.what()));
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen_address, ": no port bound"));
  }
  exposer->RegisterCollectable(registry);
  return std::unique_ptr<MetricsExporter>(
      new MetricsExporter(std::move(registry), std::move(exposer), host, ports.front()));
}

MetricsExporter::MetricsExporter(std::shared_ptr<prometheus::Registry> registry,
                                 std::unique_ptr<prometheus::Exposer> exposer, std::string host,
                                 int port)
    : registry_(std::move(registry)),
      exposer_(std::move(exposer)),
      host_(std::move(host)),
      port_(port) {}

MetricsExporter::~MetricsExporter() = default;

std::string MetricsExporter::url() const {
  if (!serving()) return "";
  return absl::StrCat("http://", host_, ":", port_, "/metrics");
}

std::string MetricsExporter::Describe() const {
  if (!serving()) return "metrics: not served (the metrics listen address is empty)";
  return absl::StrCat("metrics on ", url());
}

std::string MetricsExporter::Scrape() const { return RenderText(*registry_); }

std::string RenderText(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace dbs::metrics
