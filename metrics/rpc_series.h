#ifndef METRICS_RPC_SERIES_H_
#define METRICS_RPC_SERIES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "metrics/grpc_labels.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/labels.h"

namespace dbs::metrics {

// The three go-grpc-prometheus families of one side (server or client).
struct RpcFamilies {
  prometheus::Family<prometheus::Counter>& started;
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& handling_seconds;
};

// The series of one method on one side: what GrpcServerMetrics::Method and
// GrpcClientMetrics::Method record into. Cheap to copy; thread-safe.
class RpcSeries {
 public:
  RpcSeries() = default;
  // Creates the method's series at zero: started, the histogram, and handled with
  // grpc_code="OK" plus `ok_extra` (the server's reason="").
  RpcSeries(const RpcFamilies& families, absl::string_view full_method, RpcType type,
            const prometheus::Labels& ok_extra);

  void Started() const { started_->Increment(); }
  // An OK answer (with `ok_extra`): no label map is built, for the common case.
  void HandledOk(absl::Duration latency) const {
    handling_seconds_->Observe(absl::ToDoubleSeconds(latency));
    handled_ok_->Increment();
  }
  // Observes `latency` and counts the answer: the OK series when `code` is OK and
  // `extra` is `ok_extra`; else the series labelled with the code and `extra`.
  void Handled(absl::StatusCode code, const prometheus::Labels& extra,
               absl::Duration latency) const;

  // grpc_service, grpc_method, grpc_type.
  const prometheus::Labels& labels() const { return labels_; }
  const std::string& method() const { return labels_.at("grpc_method"); }

 private:
  prometheus::Counter* started_ = nullptr;
  prometheus::Counter* handled_ok_ = nullptr;
  prometheus::Histogram* handling_seconds_ = nullptr;
  prometheus::Family<prometheus::Counter>* handled_ = nullptr;
  prometheus::Labels labels_;
  prometheus::Labels ok_extra_;
};

}  // namespace dbs::metrics

#endif  // METRICS_RPC_SERIES_H_
