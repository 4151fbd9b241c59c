// The serving core's per-call telemetry, on an in-process callback server: the
// request id (taken, made, echoed, current while the work runs), the
// grpc_server_* series with the answer's ErrorInfo reason, refusals counted as
// SERVER_OVERLOADED, and the executor's gauges.
#include "serving/call_dispatcher.h"

#include <memory>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "metrics/serving_metrics.h"
#include "metrics/testing/metric_reader.h"
#include "serving/request_id.h"

namespace {

namespace v1 = ::instance::v1;
using dbs::metrics::testing::ReadSample;
using dbs::serving::BoundedExecutor;
using dbs::serving::CallDispatcher;

// GetDbServer answers OK when the id is "ok", NOT_FOUND DB_SERVER_NOT_FOUND
// otherwise; "block" waits for Release() first. It records the request id that
// was current while its work ran.
class ScriptedService final : public v1::DbServerService::CallbackService {
 public:
  ScriptedService(BoundedExecutor* executor, dbs::metrics::GrpcServerMetrics* metrics)
      : dispatcher_(executor, &Convert, Options(metrics)) {}

  grpc::ServerUnaryReactor* GetDbServer(grpc::CallbackServerContext* context,
                                        const v1::GetDbServerRequest* request,
                                        v1::GetDbServerResponse*) override {
    return dispatcher_.Dispatch(context, get_, [this, request]() -> absl::Status {
      {
        absl::MutexLock lock(&mu_);
        current_ = std::string(dbs::serving::CurrentRequestId());
      }
      if (request->id() == "block") release_.WaitForNotification();
      if (request->id() == "ok" || request->id() == "block") return absl::OkStatus();
      return absl::NotFoundError("no such pool");
    });
  }

  void Release() { release_.Notify(); }
  std::string current() {
    absl::MutexLock lock(&mu_);
    return current_;
  }

 private:
  static dbs::serving::CallDispatcherOptions Options(dbs::metrics::GrpcServerMetrics* metrics) {
    dbs::serving::CallDispatcherOptions options;
    options.error_domain = "test.internal";
    options.telemetry.metrics = metrics;
    options.telemetry.call_log = dbs::serving::CallLogMode::kAll;
    return options;
  }
  // Errors get an ErrorInfo, as both services send them.
  static grpc::Status Convert(const absl::Status& status) {
    if (status.ok()) return grpc::Status::OK;
    google::rpc::ErrorInfo info;
    info.set_reason("DB_SERVER_NOT_FOUND");
    google::rpc::Status details;
    details.set_code(static_cast<int>(status.code()));
    details.add_details()->PackFrom(info);
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                        details.SerializeAsString());
  }

  CallDispatcher dispatcher_;
  const CallDispatcher::Method get_ =
      dispatcher_.ForMethod("/instance.v1.DbServerService/GetDbServer");
  absl::Notification release_;
  absl::Mutex mu_;
  std::string current_ ABSL_GUARDED_BY(mu_);  // written by the worker, read after the call
};

struct Stack {
  explicit Stack(int max_queue = 16) : executor(ExecutorOptions(max_queue, &serving_metrics)) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    stub = v1::DbServerService::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
  }
  ~Stack() {
    server->Shutdown();
    executor.Shutdown();
  }
  static dbs::serving::BoundedExecutorOptions ExecutorOptions(int max_queue,
                                                              dbs::metrics::ServingMetrics* m) {
    dbs::serving::BoundedExecutorOptions options;
    options.threads = 1;
    options.max_queue = max_queue;
    options.metrics = m;
    return options;
  }

  // GetDbServer(id), sending `request_id` as x-request-id unless empty; returns
  // the status and the x-request-id the answer's trailers echo.
  std::pair<grpc::Status, std::string> Get(const std::string& id,
                                           const std::string& request_id = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    v1::GetDbServerRequest request;
    request.set_id(id);
    v1::GetDbServerResponse response;
    const grpc::Status status = stub->GetDbServer(&context, request, &response);
    const auto& trailers = context.GetServerTrailingMetadata();
    const auto echoed = trailers.find("x-request-id");
    return {status, echoed == trailers.end()
                        ? std::string()
                        : std::string(echoed->second.data(), echoed->second.size())};
  }

  prometheus::Registry registry;
  dbs::metrics::GrpcServerMetrics server_metrics{registry};
  dbs::metrics::ServingMetrics serving_metrics{registry};
  BoundedExecutor executor;
  ScriptedService service{&executor, &server_metrics};
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::DbServerService::Stub> stub;
};

const prometheus::Labels kGet = {{"grpc_service", "instance.v1.DbServerService"},
                                 {"grpc_method", "GetDbServer"},
                                 {"grpc_type", "unary"}};

prometheus::Labels Handled(const char* code, const char* reason) {
  prometheus::Labels labels = kGet;
  labels.emplace("grpc_code", code);
  labels.emplace("reason", reason);
  return labels;
}

}  // namespace

TEST_CASE("The caller's x-request-id is current while the work runs and echoed in the trailers") {
  Stack stack;
  const auto [status, echoed] = stack.Get("ok", "caller-id-42");
  REQUIRE(status.ok());
  CHECK(echoed == "caller-id-42");
  CHECK(stack.service.current() == "caller-id-42");
}

TEST_CASE("A call without a well-formed x-request-id gets a fresh UUID, echoed") {
  Stack stack;
  for (const std::string& sent : {std::string(), std::string("has space"), std::string(65, 'a')}) {
    CAPTURE(sent);
    const auto [status, echoed] = stack.Get("ok", sent);
    REQUIRE(status.ok());
    CHECK(echoed.size() == 36);
    CHECK(echoed[14] == '4');  // UUID version 4
    CHECK(echoed != sent);
    CHECK(stack.service.current() == echoed);
  }
  CHECK(stack.Get("ok").second != stack.Get("ok").second);
}

TEST_CASE("Calls are counted per method with their code and ErrorInfo reason") {
  Stack stack;
  CHECK(ReadSample(stack.registry, "grpc_server_started_total", kGet) == 0);
  REQUIRE(stack.Get("ok").first.ok());
  REQUIRE(stack.Get("ok").first.ok());
  REQUIRE(stack.Get("missing").first.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(ReadSample(stack.registry, "grpc_server_started_total", kGet) == 3);
  CHECK(ReadSample(stack.registry, "grpc_server_handled_total", Handled("OK", "")) == 2);
  CHECK(ReadSample(stack.registry, "grpc_server_handled_total",
                   Handled("NotFound", "DB_SERVER_NOT_FOUND")) == 1);
  CHECK(ReadSample(stack.registry, "grpc_server_handling_seconds", kGet) == 3);
}

TEST_CASE("A refused call is counted as UNAVAILABLE SERVER_OVERLOADED and shed queue_full") {
  Stack stack(/*max_queue=*/1);
  const auto wait_for_gauge = [&](const char* gauge) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (ReadSample(stack.registry, gauge) != 1 && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    REQUIRE(ReadSample(stack.registry, gauge) == 1);
  };
  // The one worker runs a call that waits for Release(); a second call fills the queue.
  std::pair<grpc::Status, std::string> blocked, queued;
  std::thread blocker([&] { blocked = stack.Get("block"); });
  wait_for_gauge("dbs_serving_in_flight");
  std::thread waiter([&] { queued = stack.Get("ok"); });
  wait_for_gauge("dbs_serving_queue_depth");

  const auto [refused, echoed] = stack.Get("ok", "refused-call");
  CHECK(refused.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(echoed == "refused-call");
  stack.service.Release();
  blocker.join();
  waiter.join();
  CHECK(blocked.first.ok());
  CHECK(queued.first.ok());

  CHECK(ReadSample(stack.registry, "dbs_serving_shed_total", {{"reason", "queue_full"}}) == 1);
  CHECK(ReadSample(stack.registry, "grpc_server_handled_total",
                   Handled("Unavailable", "SERVER_OVERLOADED")) == 1);
  CHECK(ReadSample(stack.registry, "grpc_server_handled_total", Handled("OK", "")) == 2);
  CHECK(ReadSample(stack.registry, "grpc_server_started_total", kGet) == 3);
}

TEST_CASE("The executor's gauges return to zero when it is idle") {
  Stack stack;
  for (int i = 0; i < 5; ++i) REQUIRE(stack.Get("ok").first.ok());
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (ReadSample(stack.registry, "dbs_serving_in_flight") != 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  CHECK(ReadSample(stack.registry, "dbs_serving_in_flight") == 0);
  CHECK(ReadSample(stack.registry, "dbs_serving_queue_depth") == 0);
}
