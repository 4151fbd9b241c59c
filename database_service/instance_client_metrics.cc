#include "database_service/instance_client_metrics.h"

#include <utility>

namespace dbs::database_service {
namespace {

class MethodMetrics final : public client::CallObserver::Method {
 public:
  explicit MethodMetrics(metrics::GrpcClientMetrics::Method series) : series_(std::move(series)) {}

  void Started() override { series_.Started(); }
  void Retried(absl::StatusCode code) override { series_.Retried(code); }
  void Handled(absl::StatusCode code, absl::Duration latency) override {
    series_.Handled(code, latency);
  }

 private:
  const metrics::GrpcClientMetrics::Method series_;
};

}  // namespace

std::unique_ptr<client::CallObserver::Method> InstanceClientMetrics::ForMethod(
    absl::string_view full_method) {
  return std::make_unique<MethodMetrics>(metrics_.ForMethod(full_method));
}

}  // namespace dbs::database_service
