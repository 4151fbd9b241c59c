#include "metrics/grpc_client_metrics.h"

#include "metrics/histogram_buckets.h"

namespace dbs::metrics {

GrpcClientMetrics::GrpcClientMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_client_started_total")
                   .Help("RPCs started by the client (one per call, whatever its attempts).")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_client_handled_total")
                   .Help("RPCs completed by the client, by final status code.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_client_handling_seconds")
                            .Help("Time of a client call, every attempt and backoff included, "
                                  "in seconds.")
                            .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name("dbs_client_retries_total")
                   .Help("Attempts the client retried, by method and the code that caused "
                         "the retry.")
                   .Register(registry)) {}

GrpcClientMetrics::Method GrpcClientMetrics::ForMethod(absl::string_view full_method,
                                                       RpcType type) {
  RpcMethodName name = ParseFullMethod(full_method);
  Method handle;
  handle.service_ = std::move(name.service);
  handle.method_ = std::move(name.method);
  handle.type_ = std::string(RpcTypeLabel(type));
  const prometheus::Labels labels = {{"grpc_service", handle.service_},
                                     {"grpc_method", handle.method_},
                                     {"grpc_type", handle.type_}};
  handle.started_ = &started_.Add(labels);
  handle.handling_seconds_ = &handling_seconds_.Add(labels, LatencyBuckets());
  prometheus::Labels ok = labels;
  ok.emplace("grpc_code", "OK");
  handle.handled_ok_ = &handled_.Add(ok);
  handle.handled_ = &handled_;
  handle.retries_ = &retries_;
  return handle;
}

void GrpcClientMetrics::Method::Handled(absl::StatusCode code, absl::Duration latency) const {
  handling_seconds_->Observe(absl::ToDoubleSeconds(latency));
  if (code == absl::StatusCode::kOk) {
    handled_ok_->Increment();
    return;
  }
  handled_
      ->Add({{"grpc_service", service_},
             {"grpc_method", method_},
             {"grpc_type", type_},
             {"grpc_code", std::string(GrpcCodeLabel(code))}})
      .Increment();
}

void GrpcClientMetrics::Method::Retried(absl::StatusCode code) const {
  retries_->Add({{"grpc_method", method_}, {"grpc_code", std::string(GrpcCodeLabel(code))}})
      .Increment();
}

}  // namespace dbs::metrics
