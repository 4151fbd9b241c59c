// GrpcServerMetrics and GrpcClientMetrics: the go-grpc-prometheus names and
// label values, read back from the registry as a scrape would see them.
#include <catch2/catch.hpp>

#include "metrics/grpc_client_metrics.h"
#include "metrics/grpc_labels.h"
#include "metrics/grpc_server_metrics.h"
#include "metrics/metrics_exporter.h"
#include "metrics/testing/metric_reader.h"

namespace {

using dbs::metrics::GrpcClientMetrics;
using dbs::metrics::GrpcServerMetrics;
using dbs::metrics::testing::ReadHistogramSum;
using dbs::metrics::testing::ReadSample;

constexpr char kGet[] = "/instance.v1.DbServerService/GetDbServer";

prometheus::Labels Method(const char* method) {
  return {{"grpc_service", "instance.v1.DbServerService"},
          {"grpc_method", method},
          {"grpc_type", "unary"}};
}

prometheus::Labels With(prometheus::Labels labels, const prometheus::Labels& more) {
  labels.insert(more.begin(), more.end());
  return labels;
}

TEST_CASE("grpc_code values are the Go names of the canonical codes") {
  using dbs::metrics::GrpcCodeLabel;
  CHECK(GrpcCodeLabel(absl::StatusCode::kOk) == "OK");
  CHECK(GrpcCodeLabel(absl::StatusCode::kCancelled) == "Canceled");
  CHECK(GrpcCodeLabel(absl::StatusCode::kInvalidArgument) == "InvalidArgument");
  CHECK(GrpcCodeLabel(absl::StatusCode::kResourceExhausted) == "ResourceExhausted");
  CHECK(GrpcCodeLabel(absl::StatusCode::kUnavailable) == "Unavailable");
  CHECK(GrpcCodeLabel(absl::StatusCode::kUnauthenticated) == "Unauthenticated");
  CHECK(GrpcCodeLabel(static_cast<absl::StatusCode>(42)) == "Unknown");
}

TEST_CASE("A full method name splits into grpc_service and grpc_method") {
  using dbs::metrics::ParseFullMethod;
  CHECK(ParseFullMethod(kGet).service == "instance.v1.DbServerService");
  CHECK(ParseFullMethod(kGet).method == "GetDbServer");
  for (const char* odd : {"GetDbServer", "/x", "/a/b/c", "//m", "/s/"}) {
    CAPTURE(odd);
    CHECK(ParseFullMethod(odd).service == "unknown");
    CHECK(ParseFullMethod(odd).method == odd);
  }
}

TEST_CASE("A server method's series exist at zero before its first call") {
  prometheus::Registry registry;
  GrpcServerMetrics metrics(registry);
  metrics.ForMethod(kGet);
  CHECK(ReadSample(registry, "grpc_server_started_total", Method("GetDbServer")) == 0);
  CHECK(ReadSample(registry, "grpc_server_handling_seconds", Method("GetDbServer")) == 0);
  CHECK(ReadSample(registry, "grpc_server_handled_total",
                   With(Method("GetDbServer"), {{"grpc_code", "OK"}, {"reason", ""}})) == 0);
}

TEST_CASE("Server calls count by code and ErrorInfo reason, with their latency") {
  prometheus::Registry registry;
  GrpcServerMetrics metrics(registry);
  const GrpcServerMetrics::Method get = metrics.ForMethod(kGet);
  for (int i = 0; i < 3; ++i) get.Started();
  get.Handled(absl::StatusCode::kOk, "", absl::Milliseconds(2));
  get.Handled(absl::StatusCode::kNotFound, "DB_SERVER_NOT_FOUND", absl::Milliseconds(1));
  get.Handled(absl::StatusCode::kUnavailable, "SERVER_OVERLOADED", absl::Milliseconds(1));

  CHECK(ReadSample(registry, "grpc_server_started_total", Method("GetDbServer")) == 3);
  CHECK(ReadSample(registry, "grpc_server_handled_total",
                   With(Method("GetDbServer"), {{"grpc_code", "OK"}, {"reason", ""}})) == 1);
  CHECK(ReadSample(registry, "grpc_server_handled_total",
                   With(Method("GetDbServer"),
                        {{"grpc_code", "NotFound"}, {"reason", "DB_SERVER_NOT_FOUND"}})) == 1);
  CHECK(ReadSample(registry, "grpc_server_handled_total",
                   With(Method("GetDbServer"),
                        {{"grpc_code", "Unavailable"}, {"reason", "SERVER_OVERLOADED"}})) == 1);
  CHECK(ReadSample(registry, "grpc_server_handling_seconds", Method("GetDbServer")) == 3);
  CHECK(ReadHistogramSum(registry, "grpc_server_handling_seconds", Method("GetDbServer")) ==
        Approx(0.004));
  // A second handle for the same method shares the series.
  metrics.ForMethod(kGet).Started();
  CHECK(ReadSample(registry, "grpc_server_started_total", Method("GetDbServer")) == 4);
}

TEST_CASE("Client calls count once per call by final code, retries by method and code") {
  prometheus::Registry registry;
  GrpcClientMetrics metrics(registry);
  const GrpcClientMetrics::Method allocate =
      metrics.ForMethod("/instance.v1.DbServerService/AllocateDbServer");
  CHECK(ReadSample(registry, "grpc_client_handled_total",
                   With(Method("AllocateDbServer"), {{"grpc_code", "OK"}})) == 0);
  CHECK(ReadSample(registry, "dbs_client_retries_total",
                   {{"grpc_method", "AllocateDbServer"}, {"grpc_code", "Unavailable"}}) == 0);

  allocate.Started();
  allocate.Retried(absl::StatusCode::kUnavailable);
  allocate.Retried(absl::StatusCode::kUnavailable);
  allocate.Handled(absl::StatusCode::kOk, absl::Milliseconds(30));
  allocate.Started();
  allocate.Handled(absl::StatusCode::kResourceExhausted, absl::Milliseconds(1));

  CHECK(ReadSample(registry, "grpc_client_started_total", Method("AllocateDbServer")) == 2);
  CHECK(ReadSample(registry, "grpc_client_handled_total",
                   With(Method("AllocateDbServer"), {{"grpc_code", "OK"}})) == 1);
  CHECK(ReadSample(registry, "grpc_client_handled_total",
                   With(Method("AllocateDbServer"), {{"grpc_code", "ResourceExhausted"}})) == 1);
  CHECK(ReadSample(registry, "grpc_client_handling_seconds", Method("AllocateDbServer")) == 2);
  CHECK(ReadSample(registry, "dbs_client_retries_total",
                   {{"grpc_method", "AllocateDbServer"}, {"grpc_code", "Unavailable"}}) == 2);
  allocate.Retried(absl::StatusCode::kAborted);  // not the policy's, but counted as told
  CHECK(ReadSample(registry, "dbs_client_retries_total",
                   {{"grpc_method", "AllocateDbServer"}, {"grpc_code", "Aborted"}}) == 1);
}

TEST_CASE("The exposition text carries the contract's names and labels") {
  auto exporter = dbs::metrics::MetricsExporter::Start("");
  REQUIRE(exporter.ok());
  GrpcServerMetrics server((*exporter)->registry());
  server.ForMethod(kGet).Handled(absl::StatusCode::kNotFound, "DB_SERVER_NOT_FOUND",
                                 absl::Milliseconds(1));
  const std::string text = (*exporter)->Scrape();
  CHECK_THAT(text, Catch::Contains("# TYPE grpc_server_handling_seconds histogram"));
  CHECK_THAT(text, Catch::Contains("grpc_server_handling_seconds_bucket{"));
  CHECK_THAT(text, Catch::Contains("grpc_code=\"NotFound\""));
  CHECK_THAT(text, Catch::Contains("reason=\"DB_SERVER_NOT_FOUND\""));
}

}  // namespace
