#include "metrics/grpc_server_metrics.h"

#include "metrics/histogram_buckets.h"

namespace dbs::metrics {

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by status code and ErrorInfo reason "
                         "(\"\" when none).")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Time from an RPC's arrival to its answer, in seconds.")
                            .Register(registry)) {}

GrpcServerMetrics::Method GrpcServerMetrics::ForMethod(absl::string_view full_method,
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
  ok.emplace("reason", "");
  handle.handled_ok_ = &handled_.Add(ok);
  handle.handled_ = &handled_;
  return handle;
}

void GrpcServerMetrics::Method::Handled(absl::StatusCode code, absl::string_view reason,
                                        absl::Duration latency) const {
  handling_seconds_->Observe(absl::ToDoubleSeconds(latency));
  if (code == absl::StatusCode::kOk && reason.empty()) {
    handled_ok_->Increment();
    return;
  }
  handled_
      ->Add({{"grpc_service", service_},
             {"grpc_method", method_},
             {"grpc_type", type_},
             {"grpc_code", std::string(GrpcCodeLabel(code))},
             {"reason", std::string(reason)}})
      .Increment();
}

}  // namespace dbs::metrics
