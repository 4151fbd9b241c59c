#include "metrics/testing/metric_reader.h"

#include <vector>

#include "prometheus/metric_family.h"

namespace dbs::metrics::testing {
namespace {

const prometheus::ClientMetric* Find(const std::vector<prometheus::MetricFamily>& families,
                                     absl::string_view name, const prometheus::Labels& labels,
                                     prometheus::MetricType* type) {
  for (const prometheus::MetricFamily& family : families) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      if (metric.label.size() != labels.size()) continue;
      bool same = true;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        auto it = labels.find(label.name);
        if (it == labels.end() || it->second != label.value) same = false;
      }
      if (same) {
        *type = family.type;
        return &metric;
      }
    }
  }
  return nullptr;
}

}  // namespace

std::optional<double> ReadSample(const prometheus::Registry& registry, absl::string_view name,
                                 const prometheus::Labels& labels) {
  const std::vector<prometheus::MetricFamily> families = registry.Collect();
  prometheus::MetricType type;
  const prometheus::ClientMetric* metric = Find(families, name, labels, &type);
  if (metric == nullptr) return std::nullopt;
  switch (type) {
    case prometheus::MetricType::Counter:
      return metric->counter.value;
    case prometheus::MetricType::Gauge:
      return metric->gauge.value;
    case prometheus::MetricType::Histogram:
      return static_cast<double>(metric->histogram.sample_count);
    default:
      return std::nullopt;
  }
}

std::optional<double> ReadHistogramSum(const prometheus::Registry& registry, absl::string_view name,
                                       const prometheus::Labels& labels) {
  const std::vector<prometheus::MetricFamily> families = registry.Collect();
  prometheus::MetricType type;
  const prometheus::ClientMetric* metric = Find(families, name, labels, &type);
  if (metric == nullptr || type != prometheus::MetricType::Histogram) return std::nullopt;
  return metric->histogram.sample_sum;
}

}  // namespace dbs::metrics::testing
