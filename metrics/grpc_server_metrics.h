#ifndef METRICS_GRPC_SERVER_METRICS_H_
#define METRICS_GRPC_SERVER_METRICS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "metrics/grpc_labels.h"
#include "metrics/rpc_series.h"
#include "prometheus/registry.h"

namespace dbs::metrics {

// Per-RPC server metrics, named as go-grpc-prometheus names them, plus `reason`:
//
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code,reason}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}   histogram
//
// `reason` is the google.rpc.ErrorInfo reason of the answer (SERVER_OVERLOADED,
// NO_CAPACITY, ...) or "" when there is none (every OK answer).
//
//   GrpcServerMetrics server_metrics(exporter.registry());
//   // once per method, e.g. when the service is registered; cache the handle:
//   const GrpcServerMetrics::Method get =
//       server_metrics.ForMethod("/instance.v1.DbServerService/GetDbServer");
//   // per call:
//   get.Started();
//   ... get.Handled(static_cast<absl::StatusCode>(status.error_code()), reason, elapsed);
//
// ForMethod creates the method's series at zero (started, the histogram, and
// handled with grpc_code="OK", reason=""), so rate() sees its first call. Only
// create handles for the methods a server implements: method names from the wire
// are unbounded. Thread-safe; `registry` must outlive this object and its handles.
class GrpcServerMetrics {
 public:
  explicit GrpcServerMetrics(prometheus::Registry& registry);
  GrpcServerMetrics(const GrpcServerMetrics&) = delete;
  GrpcServerMetrics& operator=(const GrpcServerMetrics&) = delete;

  // The series of one method. Cheap to copy; thread-safe.
  class Method {
   public:
    // A call arrived (counted before any admission decision).
    void Started() const { series_.Started(); }
    // A call was answered with `code` (and ErrorInfo `reason`, or "") after
    // `latency`, measured from its arrival.
    void Handled(absl::StatusCode code, absl::string_view reason, absl::Duration latency) const {
      if (code == absl::StatusCode::kOk && reason.empty()) return series_.HandledOk(latency);
      series_.Handled(code, {{"reason", std::string(reason)}}, latency);
    }

   private:
    friend class GrpcServerMetrics;
    RpcSeries series_;
  };

  // `full_method` as gRPC reports it: "/package.Service/Method".
  Method ForMethod(absl::string_view full_method, RpcType type = RpcType::kUnary);

 private:
  RpcFamilies families_;
};

}  // namespace dbs::metrics

#endif  // METRICS_GRPC_SERVER_METRICS_H_
