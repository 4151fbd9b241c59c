// database-service end to end, on real processes: the instance-service binary on
// a scratch database of the fixture's PostgreSQL (the instance database), a
// separate PostgreSQL cluster started here as the pool server, and the
// database-service binary between them with a 1 s monitoring interval.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "database/v1/database_service.grpc.pb.h"
#include "tests/support/call_burst.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/pool_cluster.h"
#include "tests/support/process_memory.h"
#include "tests/support/rpc_error.h"
#include "tests/support/server_reflection.h"
#include "tests/support/service_process.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::testing::ContextWithDeadline;
using dbs::testing::QueryScalar;
using instance::v1::DbServer;

constexpr absl::Duration kMonitoringInterval = absl::Seconds(1);

std::string NewUuid() {
  absl::BitGen random;
  const uint64_t high = absl::Uniform<uint64_t>(random);
  const uint64_t low = absl::Uniform<uint64_t>(random);
  char text[37];
  snprintf(text, sizeof(text), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(high >> 32),
           static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xfff),
           static_cast<unsigned>(0x8000 | ((low >> 48) & 0x3fff)),
           static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

// The three processes and stubs for both APIs.
struct Stack {
  dbs::testing::InstanceServiceUnderTest instance_service;
  dbs::testing::PoolCluster pool_server{DBS_E2E_STATE_DIR};
  std::unique_ptr<dbs::testing::ServiceProcess> database_service;
  std::unique_ptr<database::v1::DatabaseService::Stub> databases;

  // `extra_args` come last, so they override the defaults here.
  explicit Stack(const std::vector<std::string>& extra_args = {}) {
    dbs::testing::ServiceProcess::Options options = DatabaseServiceOptions(extra_args);
    options.ready_service = "database.v1.DatabaseService";
    auto process = dbs::testing::ServiceProcess::Start(options);
    if (!process.ok()) FAIL("database-service did not start: " << process.status());
    database_service = std::make_unique<dbs::testing::ServiceProcess>(*std::move(process));
    databases = database::v1::DatabaseService::NewStub(database_service->channel());
  }

  dbs::testing::ServiceProcess::Options DatabaseServiceOptions(
      const std::vector<std::string>& extra_args) {
    dbs::testing::ServiceProcess::Options options;
    options.binary = DBS_DATABASE_SERVICE_BINARY;
    options.args = {
        absl::StrCat("--instance_service_target=", instance_service.address()),
        absl::StrCat("--monitoring_interval_ms=", absl::ToInt64Milliseconds(kMonitoringInterval)),
        "--probe_timeout_ms=500", "--pool_connect_timeout_ms=2000", "--drain_seconds=2"};
    options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
    return options;
  }

  DbServer Provision(const std::string& name, int max_instances = 10) {
    database::v1::ProvisionPoolRequest request;
    request.set_display_name(name);
    request.set_host("127.0.0.1");
    request.set_port(pool_server.port());
    request.set_max_instances(max_instances);
    request.set_request_id(NewUuid());
    database::v1::ProvisionPoolResponse response;
    const grpc::Status status =
        databases->ProvisionPool(ContextWithDeadline(30).get(), request, &response);
    REQUIRE(status.error_message() == "");
    REQUIRE(status.ok());
    return response.pool();
  }

  grpc::Status CreateDatabase(const std::string& name, database::v1::CreateDatabaseResponse* out,
                              const std::string& request_id = NewUuid()) {
    database::v1::CreateDatabaseRequest request;
    request.set_database_name(name);
    request.set_server_type("postgres");
    request.set_request_id(request_id);
    return databases->CreateDatabase(ContextWithDeadline(30).get(), request, out);
  }

  // The pool as instance-service has it, read through its API.
  DbServer Read(const std::string& id) {
    instance::v1::GetDbServerRequest request;
    request.set_id(id);
    instance::v1::GetDbServerResponse response;
    REQUIRE(
        instance_service.stub().GetDbServer(ContextWithDeadline().get(), request, &response).ok());
    return response.db_server();
  }

  // Polls until the pool's health is `health`; how long that took, or nullopt.
  std::optional<absl::Duration> WaitForHealth(const std::string& id, DbServer::Health health,
                                              absl::Duration limit) {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < limit) {
      if (Read(id).health() == health) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return std::nullopt;
  }
};

TEST_CASE(
    "Provisioned pool takes tenant databases, goes UNHEALTHY when its server stops, "
    "and recovers") {
  Stack stack;
  const DbServer pool = stack.Provision("pg-e2e-1");
  REQUIRE(pool.state() == DbServer::STATE_ACTIVE);
  REQUIRE(pool.health() == DbServer::HEALTH_HEALTHY);

  // Three tenant databases: they exist on the pool server, and the API counts 3.
  for (const char* name : {"tenant_a", "tenant_b", "tenant_c"}) {
    database::v1::CreateDatabaseResponse created;
    const grpc::Status status = stack.CreateDatabase(name, &created);
    INFO(name << ": " << status.error_message());
    REQUIRE(status.ok());
    CHECK(created.created());
    CHECK(created.pool().id() == pool.id());
    CHECK(created.owner_role() == absl::StrCat(name, "_owner"));
  }
  CHECK(stack.pool_server.Databases("tenant_%") == "tenant_a,tenant_b,tenant_c");
  CHECK(stack.Read(pool.id()).instance_count() == 3);

  // A retried request (same request_id) creates nothing and takes no slot.
  {
    const std::string request_id = NewUuid();
    database::v1::CreateDatabaseResponse first, retry;
    REQUIRE(stack.CreateDatabase("tenant_d", &first, request_id).ok());
    REQUIRE(stack.CreateDatabase("tenant_d", &retry, request_id).ok());
    CHECK(first.created());
    CHECK_FALSE(retry.created());
    CHECK(stack.Read(pool.id()).instance_count() == 4);
  }

  // Stop the pool server: UNHEALTHY within two monitoring intervals, and
  // allocation no longer chooses it.
  stack.pool_server.Halt();
  const auto unhealthy_after =
      stack.WaitForHealth(pool.id(), DbServer::HEALTH_UNHEALTHY, 2 * kMonitoringInterval);
  REQUIRE(unhealthy_after.has_value());
  WARN("UNHEALTHY after " << absl::FormatDuration(*unhealthy_after));
  CHECK_THAT(stack.Read(pool.id()).health_message(), Catch::Contains("probe failed"));
  {
    database::v1::CreateDatabaseResponse refused;
    const grpc::Status status = stack.CreateDatabase("tenant_e", &refused);
    CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK(stack.Read(pool.id()).instance_count() == 4);
  }

  // Start it again: HEALTHY again, and allocation resumes.
  stack.pool_server.Resume();
  const auto healthy_after =
      stack.WaitForHealth(pool.id(), DbServer::HEALTH_HEALTHY, 2 * kMonitoringInterval);
  REQUIRE(healthy_after.has_value());
  WARN("HEALTHY again after " << absl::FormatDuration(*healthy_after));
  database::v1::CreateDatabaseResponse created;
  REQUIRE(stack.CreateDatabase("tenant_e", &created).ok());
  CHECK(stack.Read(pool.id()).instance_count() == 5);

  // database-service never connected to the instance database's server: it has
  // no setting for it. (Its pool connections carry application_name
  // database-service; the fixture server hosts only the instance database.)
  CHECK(QueryScalar(stack.instance_service.database_url(),
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = 'database-service'") == "0");
}

TEST_CASE("A failed CREATE DATABASE releases its slot, and a drop removes the database and slot") {
  Stack stack;
  const DbServer pool = stack.Provision("pg-e2e-2");
  database::v1::CreateDatabaseResponse created;
  REQUIRE(stack.CreateDatabase("tenant_keep", &created).ok());
  REQUIRE(stack.Read(pool.id()).instance_count() == 1);

  // A database of that name already exists on the pool, owned by someone else.
  QueryScalar(stack.pool_server.conninfo(), "CREATE DATABASE tenant_collide");
  database::v1::CreateDatabaseResponse collided;
  const grpc::Status status = stack.CreateDatabase("tenant_collide", &collided);
  CHECK(status.error_code() == grpc::StatusCode::ALREADY_EXISTS);
  CHECK_THAT(status.error_message(), Catch::Contains("slot released"));
  CHECK(stack.Read(pool.id()).instance_count() == 1);
  CHECK(QueryScalar(stack.pool_server.conninfo(),
                    "SELECT pg_get_userbyid(datdba) FROM pg_database "
                    "WHERE datname = 'tenant_collide'") == "postgres");

  database::v1::DropDatabaseRequest drop;
  drop.set_pool_id(pool.id());
  drop.set_database_name("tenant_keep");
  drop.set_request_id(NewUuid());
  database::v1::DropDatabaseResponse dropped;
  REQUIRE(stack.databases->DropDatabase(ContextWithDeadline(30).get(), drop, &dropped).ok());
  CHECK(dropped.released());
  CHECK(dropped.pool().instance_count() == 0);
  CHECK(stack.pool_server.Databases("tenant_%") == "tenant_collide");
  CHECK(stack.Read(pool.id()).instance_count() == 0);

  // The foreign database is not a tenant's: DropDatabase refuses it.
  drop.set_database_name("tenant_collide");
  drop.set_request_id(NewUuid());
  CHECK(stack.databases->DropDatabase(ContextWithDeadline(30).get(), drop, &dropped).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);

  // RunMonitoringPass reports the pool.
  database::v1::RunMonitoringPassResponse pass;
  REQUIRE(stack.databases
              ->RunMonitoringPass(ContextWithDeadline().get(),
                                  database::v1::RunMonitoringPassRequest(), &pass)
              .ok());
  REQUIRE(pass.probes_size() == 1);
  CHECK(pass.probes(0).display_name() == "pg-e2e-2");
  CHECK(pass.probes(0).health() == DbServer::HEALTH_HEALTHY);
}

// The reconciler through the binary: flags, the periodic loop turned off, and
// RunReconcilePass. The leak is made directly on instance-service (a slot no
// tenant holds); the double failure itself is forced in
// tests/database_service/reconcile_integration_test.cc.
TEST_CASE("RunReconcilePass reports a leaked slot, then releases it once it has settled") {
  const std::vector<std::string> fast = {
      "--instance_service_timeout_ms=500", "--pool_connect_timeout_ms=500",
      "--pool_ddl_timeout_ms=1000", "--reconcile_interval_ms=0", "--reconcile_settle_ms=5000"};
  Stack stack(fast);
  const DbServer pool = stack.Provision("pg-e2e-3");
  database::v1::CreateDatabaseResponse created;
  REQUIRE(stack.CreateDatabase("tenant_kept", &created).ok());
  instance::v1::IncrementInstanceCountRequest leak;
  leak.set_id(pool.id());
  instance::v1::IncrementInstanceCountResponse leaked;
  REQUIRE(stack.instance_service.stub()
              .IncrementInstanceCount(ContextWithDeadline().get(), leak, &leaked)
              .ok());
  REQUIRE(stack.Read(pool.id()).instance_count() == 2);

  auto pass = [&stack] {
    database::v1::RunReconcilePassResponse response;
    const grpc::Status status = stack.databases->RunReconcilePass(
        ContextWithDeadline(30).get(), database::v1::RunReconcilePassRequest(), &response);
    REQUIRE(status.ok());
    REQUIRE(response.pools_size() == 1);
    return response;
  };
  const auto first = pass();
  CHECK(first.pools(0).outcome() == database::v1::PoolReconciliation::OUTCOME_DRIFT_PENDING);
  CHECK(first.pools(0).instance_count() == 2);
  CHECK(first.pools(0).tenant_databases() == 1);
  CHECK(first.repairs() == 0);

  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  database::v1::RunReconcilePassResponse last = first;
  while (last.pools(0).outcome() == database::v1::PoolReconciliation::OUTCOME_DRIFT_PENDING &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    last = pass();
  }
  CHECK(last.pools(0).outcome() == database::v1::PoolReconciliation::OUTCOME_REPAIRED);
  CHECK(last.pools(0).slots_released() == 1);
  CHECK(last.pools(0).drift_age().seconds() >= 5);
  CHECK(last.repairs() == 1);
  CHECK(stack.Read(pool.id()).instance_count() == 1);
  CHECK(pass().pools(0).outcome() == database::v1::PoolReconciliation::OUTCOME_IN_SYNC);

  // A settle time shorter than a create can run is refused at start-up.
  std::vector<std::string> unsafe = fast;
  unsafe.push_back("--reconcile_settle_ms=1000");
  dbs::testing::ServiceProcess::Options options = stack.DatabaseServiceOptions(unsafe);
  options.ready_service = "database.v1.DatabaseService";
  auto refused = dbs::testing::ServiceProcess::Start(options);
  CHECK_FALSE(refused.ok());
}

}  // namespace

// A burst of tenant sign-ups against small limits (2 handler threads, 4 queued
// calls, 6 slots): every answer is OK, RESOURCE_EXHAUSTED NO_CAPACITY (the slots
// really ran out) or UNAVAILABLE SERVER_OVERLOADED with a RetryInfo (shed before
// any work, never reported as capacity); health and reflection answer meanwhile.
TEST_CASE("512 concurrent CreateDatabase calls are answered OK, NO_CAPACITY or overloaded") {
  Stack stack({"--handler_threads=2", "--max_queued_calls=4"});
  const DbServer pool = stack.Provision("pg-burst", /*max_instances=*/6);
  std::vector<dbs::testing::BurstCall> calls;
  for (int i = 0; i < 512; ++i) {
    auto request = std::make_shared<database::v1::CreateDatabaseRequest>();
    request->set_database_name(absl::StrCat("burst_", i));
    request->set_server_type("postgres");
    request->set_request_id(NewUuid());
    calls.push_back({"/database.v1.DatabaseService/CreateDatabase", request});
  }
  dbs::testing::CallBurst burst(stack.database_service->channel(), calls, absl::Seconds(60));
  CHECK(dbs::testing::HealthStatus(stack.database_service->channel(), "") == "SERVING");
  CHECK(dbs::testing::ReflectedServiceNames(stack.database_service->channel())
            .count("database.v1.DatabaseService") == 1);

  std::map<std::string, int> outcomes;
  int overloaded_without_retry_info = 0;
  for (const grpc::Status& status : burst.Wait()) {
    const std::string outcome = dbs::testing::OutcomeOf(status);
    ++outcomes[outcome];
    if (outcome == "UNAVAILABLE SERVER_OVERLOADED" && !dbs::testing::HasRetryInfo(status)) {
      ++overloaded_without_retry_info;
    }
  }
  for (const auto& [outcome, count] : outcomes) UNSCOPED_INFO(outcome << ": " << count);
  CHECK(outcomes["OK"] + outcomes["RESOURCE_EXHAUSTED NO_CAPACITY"] +
            outcomes["UNAVAILABLE SERVER_OVERLOADED"] ==
        512);
  CHECK(outcomes["UNAVAILABLE SERVER_OVERLOADED"] > 0);
  CHECK(outcomes["OK"] > 0);
  CHECK(overloaded_without_retry_info == 0);
  // Every OK is a database on the pool server and a slot in instance-service.
  const std::string created = stack.pool_server.Databases("burst\\_%");
  const int databases =
      created.empty() ? 0 : static_cast<int>(std::count(created.begin(), created.end(), ',')) + 1;
  CHECK(databases == outcomes["OK"]);
  CHECK(stack.Read(pool.id()).instance_count() == outcomes["OK"]);
  CHECK(dbs::testing::PeakRssKib(stack.database_service->process().pid()) <=
        96 * 1024 * dbs::testing::kRssBoundScale);
}
