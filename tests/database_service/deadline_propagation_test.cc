// database-service propagates its caller's deadline: a CreateDatabase with a
// short deadline reaches instance-service (AllocateDbServer) and the pool server
// with that deadline, not with the client's default timeout, so a slow
// instance-service costs the caller its own deadline and no more. The handler
// runs behind a real in-process gRPC server; instance-service and the pool
// servers are the fakes of fake_world.h.
#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "database/v1/database_service.grpc.pb.h"
#include "database_service/api/database_service_handler.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "tests/database_service/fake_world.h"

namespace dbs::database_service {
namespace {

using testing::FailingUpdates;
using testing::FakeWorld;

constexpr char kRequestId[] = "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f";

// instance-service as a caller meets it when it is slow: AllocateDbServer
// records the deadline it was given and, when `slow` is set, answers only once
// that deadline has passed, with DEADLINE_EXCEEDED (as gRPC would).
class RecordingInstanceService : public FailingUpdates {
 public:
  using FailingUpdates::FailingUpdates;
  bool slow = false;

  void AllocateDbServer(
      const instance::v1::AllocateDbServerRequest& request, absl::Time deadline,
      client::ResultCallback<instance::v1::AllocateDbServerResponse> done) override {
    {
      absl::MutexLock lock(&mu_);
      allocate_deadline_ = deadline;
    }
    if (!slow) return FailingUpdates::AllocateDbServer(request, deadline, std::move(done));
    // Simulates a server that does not answer in time: holds the call until its
    // deadline, as the real one would hold it in a queue.
    absl::SleepFor(deadline - absl::Now());
    done(absl::DeadlineExceededError("instance-service: deadline exceeded"));
  }

  absl::Time allocate_deadline() {
    absl::MutexLock lock(&mu_);
    return allocate_deadline_;
  }

 private:
  absl::Mutex mu_;
  absl::Time allocate_deadline_ = absl::InfinitePast();
};

// database-service's handler, flows over the fakes, on a loopback port.
struct Server {
  FakeWorld world;
  std::shared_ptr<RecordingInstanceService> instance_service =
      std::make_shared<RecordingInstanceService>(world.instance_service);
  client::InstanceServiceClient client{instance_service};
  PoolProvisioner provisioner{client, world.pool_admin};
  TenantAllocator allocator{client, world.pool_admin};
  PoolMonitor monitor{client, world.pool_admin};
  PoolReconciler reconciler{client, world.pool_admin};
  serving::BoundedExecutor executor{serving::BoundedExecutorOptions{}};
  DatabaseServiceHandler handler{provisioner, allocator, monitor, reconciler, &executor};
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<database::v1::DatabaseService::Stub> stub;

  Server() {
    world.AddPool("pg-a", 5432);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&handler);
    server = builder.BuildAndStart();
    REQUIRE(server != nullptr);
    stub = database::v1::DatabaseService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  ~Server() {
    server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    executor.Shutdown();
  }

  grpc::Status CreateDatabase(absl::Time deadline, database::v1::CreateDatabaseResponse* response) {
    database::v1::CreateDatabaseRequest request;
    request.set_database_name("tenant_deadline");
    request.set_request_id(kRequestId);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    return stub->CreateDatabase(&context, request, response);
  }
};

TEST_CASE("A short CreateDatabase deadline reaches instance-service and bounds the whole call") {
  Server s;
  s.instance_service->slow = true;
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + absl::Milliseconds(400);
  database::v1::CreateDatabaseResponse response;
  const grpc::Status status = s.CreateDatabase(deadline, &response);
  const absl::Duration took = absl::Now() - start;

  CHECK(status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  // The client's default timeout is 10 s; the caller's deadline is what arrived.
  const absl::Time seen = s.instance_service->allocate_deadline();
  CHECK(seen <= deadline + absl::Milliseconds(50));
  CHECK(seen >= deadline - absl::Milliseconds(200));
  CHECK(took < absl::Seconds(3));
}

TEST_CASE("The caller's deadline reaches the pool server's CREATE DATABASE too") {
  Server s;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  database::v1::CreateDatabaseResponse response;
  const grpc::Status status = s.CreateDatabase(deadline, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(response.created());
  const absl::Time allocate = s.instance_service->allocate_deadline();
  const absl::Time pool_admin = s.world.pool_admin->last_deadline();
  CHECK(allocate <= deadline + absl::Milliseconds(50));
  CHECK(allocate >= deadline - absl::Milliseconds(200));
  CHECK(pool_admin == allocate);  // the same propagated deadline
}

TEST_CASE("Without a caller deadline the flows fall back to the client's own timeout") {
  Server s;
  database::v1::CreateDatabaseResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status status = s.CreateDatabase(absl::InfiniteFuture(), &response);
  REQUIRE(status.ok());
  const absl::Time allocate = s.instance_service->allocate_deadline();
  // ClientOptions::default_timeout (10 s) from when the call started.
  CHECK(allocate >= start + absl::Seconds(9));
  CHECK(allocate <= absl::Now() + absl::Seconds(10));
  CHECK(s.world.pool_admin->last_deadline() == absl::InfiniteFuture());
}

}  // namespace
}  // namespace dbs::database_service
