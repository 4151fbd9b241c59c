#ifndef METRICS_TESTING_METRIC_READER_H_
#define METRICS_TESTING_METRIC_READER_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "prometheus/labels.h"
#include "prometheus/registry.h"

namespace dbs::metrics::testing {

// What a test reads back from a registry: the value of the series of family `name`
// whose labels are exactly `labels`, as a scrape would see it. nullopt when that
// series does not exist.
//   counter, gauge: the value
//   histogram:      the number of observations (sample_count)
std::optional<double> ReadSample(const prometheus::Registry& registry, absl::string_view name,
                                 const prometheus::Labels& labels = {});

// The sum of a histogram series' observations (sample_sum); nullopt as above.
std::optional<double> ReadHistogramSum(const prometheus::Registry& registry, absl::string_view name,
                                       const prometheus::Labels& labels = {});

}  // namespace dbs::metrics::testing

#endif  // METRICS_TESTING_METRIC_READER_H_
