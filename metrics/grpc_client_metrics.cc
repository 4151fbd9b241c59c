#include "metrics/grpc_client_metrics.h"

#include <string>

namespace dbs::metrics {

GrpcClientMetrics::GrpcClientMetrics(prometheus::Registry& registry)
    : families_{prometheus::BuildCounter()
                    .Name("grpc_client_started_total")
                    .Help("RPCs started by the client (one per call, whatever its attempts).")
                    .Register(registry),
                prometheus::BuildCounter()
                    .Name("grpc_client_handled_total")
                    .Help("RPCs completed by the client, by final status code.")
                    .Register(registry),
                prometheus::BuildHistogram()
                    .Name("grpc_client_handling_seconds")
                    .Help("Time of a client call, every attempt and backoff included, in "
                          "seconds.")
                    .Register(registry)},
      retries_(prometheus::BuildCounter()
                   .Name("dbs_client_retries_total")
                   .Help("Attempts the client retried, by method and the code that caused "
                         "the retry.")
                   .Register(registry)) {}

GrpcClientMetrics::Method GrpcClientMetrics::ForMethod(absl::string_view full_method,
                                                       RpcType type) {
  Method handle;
  handle.series_ = RpcSeries(families_, full_method, type, {});
  handle.retries_ = &retries_;
  handle.retried_unavailable_ =
      &retries_.Add({{"grpc_method", handle.series_.method()},
                     {"grpc_code", std::string(GrpcCodeLabel(absl::StatusCode::kUnavailable))}});
  return handle;
}

void GrpcClientMetrics::Method::Retried(absl::StatusCode code) const {
  if (code == absl::StatusCode::kUnavailable) return retried_unavailable_->Increment();
  retries_
      ->Add({{"grpc_method", series_.method()}, {"grpc_code", std::string(GrpcCodeLabel(code))}})
      .Increment();
}

}  // namespace dbs::metrics
