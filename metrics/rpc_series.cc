#include "metrics/rpc_series.h"

#include <string>

#include "metrics/histogram_buckets.h"

namespace dbs::metrics {

RpcSeries::RpcSeries(const RpcFamilies& families, absl::string_view full_method, RpcType type,
                     const prometheus::Labels& ok_extra)
    : handled_(&families.handled), ok_extra_(ok_extra) {
  RpcMethodName name = ParseFullMethod(full_method);
  labels_ = {{"grpc_service", std::move(name.service)},
             {"grpc_method", std::move(name.method)},
             {"grpc_type", std::string(RpcTypeLabel(type))}};
  started_ = &families.started.Add(labels_);
  handling_seconds_ = &families.handling_seconds.Add(labels_, LatencyBuckets());
  prometheus::Labels ok = labels_;
  ok.emplace("grpc_code", "OK");
  ok.insert(ok_extra.begin(), ok_extra.end());
  handled_ok_ = &handled_->Add(ok);
}

void RpcSeries::Handled(absl::StatusCode code, const prometheus::Labels& extra,
                        absl::Duration latency) const {
  if (code == absl::StatusCode::kOk && extra == ok_extra_) return HandledOk(latency);
  handling_seconds_->Observe(absl::ToDoubleSeconds(latency));
  prometheus::Labels labels = labels_;
  labels.emplace("grpc_code", std::string(GrpcCodeLabel(code)));
  labels.insert(extra.begin(), extra.end());
  handled_->Add(labels).Increment();
}

}  // namespace dbs::metrics
