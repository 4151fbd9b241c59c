#ifndef DATABASE_SERVICE_INSTANCE_CLIENT_METRICS_H_
#define DATABASE_SERVICE_INSTANCE_CLIENT_METRICS_H_

#include <memory>

#include "client/call_observer.h"
#include "metrics/grpc_client_metrics.h"

namespace dbs::database_service {

// Reports InstanceServiceClient's calls (ClientOptions::observer) as the
// grpc_client_* and dbs_client_retries_total families: the client library knows
// no metrics library. `metrics` must outlive this object and the client.
// Thread-safe.
class InstanceClientMetrics final : public client::CallObserver {
 public:
  explicit InstanceClientMetrics(metrics::GrpcClientMetrics& metrics) : metrics_(metrics) {}

  std::unique_ptr<Method> ForMethod(absl::string_view full_method) override;

 private:
  metrics::GrpcClientMetrics& metrics_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_INSTANCE_CLIENT_METRICS_H_
