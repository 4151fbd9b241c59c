// The client's gRPC stack (generated stub, status conversion, decorators, retry
// loop) against a scripted DbServerService on an in-process channel: no network.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/synchronization/mutex.h"
#include "client/error_reason.h"
#include "client/instance_service_client.h"
#include "client/internal/channel.h"
#include "client/internal/connection_impl.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "instance/v1/db_servers.grpc.pb.h"

namespace dbs::client {
namespace {

namespace v1 = ::instance::v1;

class ScriptedService : public v1::DbServerService::Service {
 public:
  // GetDbServer: NOT_FOUND with the server's error details.
  grpc::Status GetDbServer(grpc::ServerContext* context, const v1::GetDbServerRequest* request,
                           v1::GetDbServerResponse*) override {
    Record(*context, "");
    google::rpc::Status details;
    details.set_code(grpc::StatusCode::NOT_FOUND);
    details.set_message("db server not found");
    google::rpc::ErrorInfo info;
    info.set_reason("DB_SERVER_NOT_FOUND");
    info.set_domain("instance.internal");
    (*info.mutable_metadata())["id"] = request->id();
    details.add_details()->PackFrom(info);
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "db server not found",
                        details.SerializeAsString());
  }

  // IncrementInstanceCount: UNAVAILABLE for the first `failures_` attempts.
  grpc::Status IncrementInstanceCount(grpc::ServerContext* context,
                                      const v1::IncrementInstanceCountRequest* request,
                                      v1::IncrementInstanceCountResponse* response) override {
    Record(*context, request->request_id());
    absl::MutexLock lock(&mu_);
    if (failures_ > 0) {
      --failures_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "database unavailable");
    }
    response->mutable_db_server()->set_id(request->id());
    response->mutable_db_server()->set_instance_count(1);
    return grpc::Status::OK;
  }

  struct Seen {
    std::string authorization;
    std::string caller;
    std::string request_id;
    std::string correlation;  // x-request-id
  };
  std::vector<Seen> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  void FailNext(int failures) {
    absl::MutexLock lock(&mu_);
    failures_ = failures;
  }

 private:
  void Record(const grpc::ServerContext& context, const std::string& request_id) {
    auto value = [&](const char* key) {
      auto it = context.client_metadata().find(key);
      return it == context.client_metadata().end()
                 ? std::string()
                 : std::string(it->second.data(), it->second.size());
    };
    absl::MutexLock lock(&mu_);
    seen_.push_back({value("authorization"), value("x-caller"), request_id, value("x-request-id")});
  }

  absl::Mutex mu_;
  std::vector<Seen> seen_;
  int failures_ = 0;
};

struct InProcess {
  explicit InProcess(ClientOptions options) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    auto channel = server->InProcessChannel(internal::ChannelArgumentsFor(options));
    auto stub = internal::DecorateStub(internal::MakeDefaultDbServerStub(channel), options);
    options.retry.initial_backoff = absl::Milliseconds(1);
    client.emplace(std::make_shared<internal::InstanceServiceConnectionImpl>(
                       stub, options.retry,
                       internal::ConnectionTelemetry{options.observer, options.request_id_source}),
                   absl::Seconds(5));
  }
  ~InProcess() { server->Shutdown(); }

  ScriptedService service;
  std::unique_ptr<grpc::Server> server;
  std::optional<InstanceServiceClient> client;
};

TEST_CASE("The bearer token and extra metadata reach the server on every attempt") {
  ClientOptions options;
  options.bearer_token = "s3cret";
  options.metadata = {{"x-caller", "database-service"}};
  InProcess stack(options);
  stack.service.FailNext(1);
  REQUIRE(stack.client->IncrementInstanceCount("pool").ok());
  const auto seen = stack.service.seen();
  REQUIRE(seen.size() == 2);
  for (const auto& attempt : seen) {
    CHECK(attempt.authorization == "Bearer s3cret");
    CHECK(attempt.caller == "database-service");
  }
}

TEST_CASE("Without a bearer token no authorization header is sent") {
  InProcess stack(ClientOptions{});
  (void)stack.client->GetDbServer("pool");
  REQUIRE(stack.service.seen().size() == 1);
  CHECK(stack.service.seen()[0].authorization.empty());
}

TEST_CASE("Server error details reach the caller as ErrorReason and metadata") {
  InProcess stack(ClientOptions{});
  const absl::Status status = stack.client->GetDbServer("pool").status();
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(dbs::errors::ReasonOf(status) == ::instance::v1::DB_SERVER_NOT_FOUND);
  CHECK(dbs::errors::MetadataOf(status).at("id") == "pool");
}

TEST_CASE("A server UNAVAILABLE is retried end to end with the same request_id") {
  InProcess stack(ClientOptions{});
  stack.service.FailNext(3);
  auto pool = stack.client->IncrementInstanceCount("pool");
  REQUIRE(pool.ok());
  CHECK(pool->instance_count() == 1);
  const auto seen = stack.service.seen();
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].request_id.size() == 36);
  for (const auto& attempt : seen) CHECK(attempt.request_id == seen[0].request_id);
}

TEST_CASE("The call logger gets one line per attempt and never the token") {
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mu = std::make_shared<absl::Mutex>();
  ClientOptions options;
  options.bearer_token = "s3cret";
  options.call_logger = [lines, mu](const std::string& line) {
    absl::MutexLock lock(mu.get());
    lines->push_back(line);
  };
  InProcess stack(options);
  stack.service.FailNext(1);
  REQUIRE(stack.client->IncrementInstanceCount("pool").ok());
  absl::MutexLock lock(mu.get());
  REQUIRE(lines->size() == 2);
  CHECK_THAT((*lines)[0], Catch::Contains("IncrementInstanceCount") &&
                              Catch::Contains("UNAVAILABLE") && Catch::Contains("request_id="));
  CHECK_THAT((*lines)[1], Catch::Contains("code=OK"));
  for (const std::string& line : *lines) CHECK_THAT(line, !Catch::Contains("s3cret"));
}

// Counts what a CallObserver hears, per method.
class CountingObserver : public CallObserver {
 public:
  struct Counts {
    int started = 0;
    std::vector<absl::StatusCode> retried;
    std::vector<absl::StatusCode> handled;
    absl::Duration latency;
  };
  std::unique_ptr<Method> ForMethod(absl::string_view full_method) override {
    return std::make_unique<MethodCounter>(this, std::string(full_method));
  }
  Counts counts(const std::string& full_method) {
    absl::MutexLock lock(&mu_);
    return counts_[full_method];
  }
  std::vector<std::string> methods() {
    absl::MutexLock lock(&mu_);
    return methods_;
  }

 private:
  class MethodCounter : public Method {
   public:
    MethodCounter(CountingObserver* owner, std::string name) : owner_(owner), name_(name) {
      absl::MutexLock lock(&owner_->mu_);
      owner_->methods_.push_back(name_);
    }
    void Started() override {
      Update([](Counts& c) { ++c.started; });
    }
    void Retried(absl::StatusCode code) override {
      Update([code](Counts& c) { c.retried.push_back(code); });
    }
    void Handled(absl::StatusCode code, absl::Duration latency) override {
      Update([code, latency](Counts& c) {
        c.handled.push_back(code);
        c.latency = latency;
      });
    }

   private:
    template <typename F>
    void Update(F f) {
      absl::MutexLock lock(&owner_->mu_);
      f(owner_->counts_[name_]);
    }
    CountingObserver* owner_;
    std::string name_;
  };

  absl::Mutex mu_;
  std::map<std::string, Counts> counts_;
  std::vector<std::string> methods_;
};

TEST_CASE("The observer hears one start, each retry by code, and one end per call") {
  auto observer = std::make_shared<CountingObserver>();
  ClientOptions options;
  options.observer = observer;
  InProcess stack(options);
  CHECK(observer->methods().size() == 9);  // one handle per RPC, made once
  stack.service.FailNext(2);
  REQUIRE(stack.client->IncrementInstanceCount("pool").ok());
  const auto increment = observer->counts("/instance.v1.DbServerService/IncrementInstanceCount");
  CHECK(increment.started == 1);
  CHECK(increment.retried == std::vector<absl::StatusCode>{absl::StatusCode::kUnavailable,
                                                           absl::StatusCode::kUnavailable});
  CHECK(increment.handled == std::vector<absl::StatusCode>{absl::StatusCode::kOk});
  CHECK(increment.latency > absl::ZeroDuration());

  (void)stack.client->GetDbServer("pool");
  const auto get = observer->counts("/instance.v1.DbServerService/GetDbServer");
  CHECK(get.started == 1);
  CHECK(get.retried.empty());
  CHECK(get.handled == std::vector<absl::StatusCode>{absl::StatusCode::kNotFound});
}

TEST_CASE("The request id of the caller's current work goes with every attempt as x-request-id") {
  ClientOptions options;
  std::string current = "db-call-7";
  options.request_id_source = [&current] { return current; };
  InProcess stack(options);
  stack.service.FailNext(1);
  REQUIRE(stack.client->IncrementInstanceCount("pool").ok());
  current = "";  // no current call: nothing is sent, the server makes its own
  (void)stack.client->GetDbServer("pool");
  current = "bad id with spaces";  // not a valid id: not forwarded
  (void)stack.client->GetDbServer("pool");
  const auto seen = stack.service.seen();
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].correlation == "db-call-7");
  CHECK(seen[1].correlation == "db-call-7");
  CHECK(seen[2].correlation.empty());
  CHECK(seen[3].correlation.empty());
}

}  // namespace
}  // namespace dbs::client
