// database-service end to end, on real processes: the instance-service binary on
// a scratch database of the fixture's PostgreSQL (the instance database), a
// separate PostgreSQL cluster started here as the pool server, and the
// database-service binary between them with a 1 s monitoring interval.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "database/v1/database_service.grpc.pb.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/service_process.h"
#include "tests/support/shell_command.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::testing::ContextWithDeadline;
using dbs::testing::QueryScalar;
using instance::v1::DbServer;

constexpr absl::Duration kMonitoringInterval = absl::Seconds(1);

// The stdout of `command` without surrounding white space; fails the test unless
// the command exits with 0.
std::string Run(const std::string& command) {
  const dbs::testing::ShellCommandResult result = dbs::testing::RunShellCommand(command);
  if (result.wait_status != 0) {
    FAIL(command << " failed with " << result.wait_status << ": " << result.output);
  }
  return std::string(absl::StripAsciiWhitespace(result.output));
}

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

// A PostgreSQL cluster of its own, acting as a pool server, removed at the end.
class PoolCluster {
 public:
  PoolCluster()
      : state_dir_(absl::StrCat(DBS_E2E_STATE_DIR, "/pool-", getpid(), "-",
                                absl::Uniform<uint32_t>(absl::BitGen()))) {
    conninfo_ = Run(absl::StrCat(DBS_PG_CLUSTER, " start ", state_dir_));
    port_ = std::stoi(Run(absl::StrCat("cat ", state_dir_, "/port")));
  }
  ~PoolCluster() { (void)system(absl::StrCat(DBS_PG_CLUSTER, " stop ", state_dir_).c_str()); }
  PoolCluster(const PoolCluster&) = delete;
  PoolCluster& operator=(const PoolCluster&) = delete;

  void Halt() { Run(absl::StrCat(DBS_PG_CLUSTER, " halt ", state_dir_)); }
  void Resume() { Run(absl::StrCat(DBS_PG_CLUSTER, " resume ", state_dir_)); }
  const std::string& conninfo() const { return conninfo_; }
  int port() const { return port_; }

  // `\l`: the databases that exist on the pool server, sorted, comma-separated.
  std::string Databases(const std::string& like) const {
    return QueryScalar(conninfo_, absl::StrCat("SELECT string_agg(datname, ',' ORDER BY datname) "
                                               "FROM pg_database WHERE datname LIKE '",
                                               like, "'"));
  }

 private:
  std::string state_dir_;
  std::string conninfo_;
  int port_ = 0;
};

// The three processes and stubs for both APIs.
struct Stack {
  dbs::testing::InstanceServiceUnderTest instance_service;
  PoolCluster pool_server;
  std::unique_ptr<dbs::testing::ServiceProcess> database_service;
  std::unique_ptr<database::v1::DatabaseService::Stub> databases;

  Stack() {
    dbs::testing::ServiceProcess::Options options;
    options.binary = DBS_DATABASE_SERVICE_BINARY;
    options.args = {
        absl::StrCat("--instance_service_target=", instance_service.address()),
        absl::StrCat("--monitoring_interval_ms=", absl::ToInt64Milliseconds(kMonitoringInterval)),
        "--probe_timeout_ms=500", "--pool_connect_timeout_ms=2000", "--drain_seconds=2"};
    options.ready_service = "database.v1.DatabaseService";
    auto process = dbs::testing::ServiceProcess::Start(options);
    if (!process.ok()) FAIL("database-service did not start: " << process.status());
    database_service = std::make_unique<dbs::testing::ServiceProcess>(*std::move(process));
    databases = database::v1::DatabaseService::NewStub(database_service->channel());
  }

  DbServer Provision(const std::string& name) {
    database::v1::ProvisionPoolRequest request;
    request.set_display_name(name);
    request.set_host("127.0.0.1");
    request.set_port(pool_server.port());
    request.set_max_instances(10);
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

}  // namespace
