#ifndef METRICS_GRPC_CLIENT_METRICS_H_
#define METRICS_GRPC_CLIENT_METRICS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "metrics/grpc_labels.h"
#include "metrics/rpc_series.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// Per-RPC client metrics (InstanceServiceClient), named as go-grpc-prometheus
// names them, plus retries:
//
//   grpc_client_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_client_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_client_handling_seconds{grpc_service,grpc_method,grpc_type}   histogram
//   dbs_client_retries_total{grpc_method,grpc_code}
//
// One call is one started/handled pair, however many attempts it took: handled
// carries the final code and the histogram the whole time including backoff.
// Each retry counts once in dbs_client_retries_total, labelled with the code of
// the attempt that is being retried (UNAVAILABLE, by the client's policy).
//
//   GrpcClientMetrics client_metrics(exporter.registry());
//   const GrpcClientMetrics::Method allocate =
//       client_metrics.ForMethod("/instance.v1.DbServerService/AllocateDbServer");
//   allocate.Started();
//   ... allocate.Retried(absl::StatusCode::kUnavailable);   // before each retry
//   allocate.Handled(status.code(), elapsed);
//
// ForMethod creates the method's series at zero, retries{grpc_code="Unavailable"}
// (the code the client retries) included, so the retries panel and rate() see the
// first one. Thread-safe; `registry` must outlive this object and its handles.
class GrpcClientMetrics {
 public:
  explicit GrpcClientMetrics(prometheus::Registry& registry);
  GrpcClientMetrics(const GrpcClientMetrics&) = delete;
  GrpcClientMetrics& operator=(const GrpcClientMetrics&) = delete;

  // The series of one method. Cheap to copy; thread-safe.
  class Method {
   public:
    void Started() const { series_.Started(); }
    void Handled(absl::StatusCode code, absl::Duration latency) const {
      if (code == absl::StatusCode::kOk) return series_.HandledOk(latency);
      series_.Handled(code, {}, latency);
    }
    void Retried(absl::StatusCode code) const;

   private:
    friend class GrpcClientMetrics;
    RpcSeries series_;
    prometheus::Family<prometheus::Counter>* retries_ = nullptr;
    prometheus::Counter* retried_unavailable_ = nullptr;
  };

  // `full_method` as gRPC names it: "/package.Service/Method".
  Method ForMethod(absl::string_view full_method, RpcType type = RpcType::kUnary);

 private:
  RpcFamilies families_;
  prometheus::Family<prometheus::Counter>& retries_;
};

}  // namespace dbs::metrics

#endif  // METRICS_GRPC_CLIENT_METRICS_H_
