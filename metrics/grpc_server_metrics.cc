#include "metrics/grpc_server_metrics.h"

namespace dbs::metrics {

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : families_{prometheus::BuildCounter()
                    .Name("grpc_server_started_total")
                    .Help("RPCs started on the server.")
                    .Register(registry),
                prometheus::BuildCounter()
                    .Name("grpc_server_handled_total")
                    .Help("RPCs completed on the server, by status code and ErrorInfo reason "
                          "(\"\" when none).")
                    .Register(registry),
                prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Time from an RPC's arrival to its answer, in seconds.")
                    .Register(registry)} {}

GrpcServerMetrics::Method GrpcServerMetrics::ForMethod(absl::string_view full_method,
                                                       RpcType type) {
  Method handle;
  handle.series_ = RpcSeries(families_, full_method, type, {{"reason", ""}});
  return handle;
}

}  // namespace dbs::metrics
