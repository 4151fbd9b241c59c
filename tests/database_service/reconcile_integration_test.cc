// PoolReconciler on real parts: the instance-service binary on the fixture's
// PostgreSQL, a PostgreSQL cluster of the test's own as the pool server, and
// PostgresPoolAdmin. The double failure is forced for real: CREATE DATABASE
// fails on the pool server and the release never reaches instance-service.
#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/instance_service_client.h"
#include "database_service/allocation/tenant_allocator.h"
#include "database_service/pool_admin/postgres_pool_admin.h"
#include "database_service/provisioning/pool_provisioner.h"
#include "database_service/reconcile/pool_reconciler.h"
#include "pq/pg_connection.h"
#include "tests/database_service/fake_world.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/pool_cluster.h"
#include "tests/support/test_postgres.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;
using testing::FailingUpdates;
using Verdict = PoolReconcileOutcome::Verdict;

constexpr char kRequest1[] = "3e6f1a2b-7c8d-4e9f-a0b1-c2d3e4f5a601";
constexpr char kRequest2[] = "3e6f1a2b-7c8d-4e9f-a0b1-c2d3e4f5a602";
constexpr char kRequest3[] = "3e6f1a2b-7c8d-4e9f-a0b1-c2d3e4f5a603";
constexpr char kRequest4[] = "3e6f1a2b-7c8d-4e9f-a0b1-c2d3e4f5a604";
constexpr absl::Duration kSettle = absl::Milliseconds(500);

client::ClientOptions ClientOptionsFor(const std::string& target) {
  client::ClientOptions options;
  options.target = target;
  options.default_timeout = absl::Seconds(3);
  return options;
}

// The real parts, one pool registered (ACTIVE + HEALTHY) on the test's own
// pool server, and an allocator whose DecrementInstanceCount calls can be made
// to fail before they leave the process (instance-service never sees them).
struct RealWorld {
  dbs::testing::InstanceServiceUnderTest instance_service;
  dbs::testing::PoolCluster pool_server{DBS_TEST_STATE_DIR};
  client::InstanceServiceClient client =
      client::MakeInstanceServiceClient(ClientOptionsFor(instance_service.address()));
  std::shared_ptr<FailingUpdates> failing = std::make_shared<FailingUpdates>(
      client::MakeInstanceServiceConnection(ClientOptionsFor(instance_service.address())));
  std::shared_ptr<PostgresPoolAdmin> admin = std::make_shared<PostgresPoolAdmin>(AdminOptions());
  TenantAllocator allocator{client::InstanceServiceClient(failing), admin};
  DbServer pool;
  int repairs = 0;

  RealWorld() {
    instance::v1::CreateDbServerRequest create;
    DbServer& record = *create.mutable_db_server();
    record.set_display_name("pg-reconcile");
    record.set_host("127.0.0.1");
    record.set_port(pool_server.port());
    record.set_server_type("postgres");
    record.set_max_instances(10);
    auto provisioned = PoolProvisioner(client, admin).Provision(create);
    REQUIRE(provisioned.ok());
    REQUIRE(provisioned->pool.state() == DbServer::STATE_ACTIVE);
    pool = provisioned->pool;
  }

  static PostgresPoolAdminOptions AdminOptions() {
    PostgresPoolAdminOptions options;
    options.connect_timeout = absl::Seconds(2);
    options.ddl_timeout = absl::Seconds(20);
    return options;
  }

  PoolReconciler Reconciler(absl::Duration settle) {
    PoolReconcilerOptions options;
    options.settle = settle;
    options.call_timeout = absl::Seconds(3);
    options.lease_wait = absl::Milliseconds(200);
    options.on_repair = [this](const ReconcileRepair&) { ++repairs; };
    return PoolReconciler(client, admin, options);
  }

  int Count() {
    auto read = client.GetDbServer(pool.id());
    REQUIRE(read.ok());
    return read->instance_count();
  }

  std::string Sql(const std::string& sql) {
    return dbs::testing::QueryScalar(pool_server.conninfo(), sql);
  }
};

PoolReconcileOutcome Pass(PoolReconciler& reconciler) {
  auto report = reconciler.RunPass();
  REQUIRE(report.ok());
  REQUIRE(report->pools.size() == 1);
  return report->pools[0];
}

// Runs passes until one is not `verdict` any more, for at most `limit`.
PoolReconcileOutcome PassUntilNot(PoolReconciler& reconciler, Verdict verdict,
                                  absl::Duration limit = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + limit;
  for (;;) {
    PoolReconcileOutcome outcome = Pass(reconciler);
    if (outcome.verdict != verdict || absl::Now() > deadline) return outcome;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

TEST_CASE("A slot leaked by a failed create whose release failed too is released") {
  RealWorld world;
  REQUIRE(world.allocator.Create("tenant_a", "postgres", kRequest1).ok());
  world.Sql("CREATE DATABASE tenant_taken");  // owned by postgres, not the tenant

  // The double failure: CREATE DATABASE fails (the name is taken), and the
  // release fails too. The slot leaks.
  world.failing->fail_decrements = true;
  auto failed = world.allocator.Create("tenant_taken", "postgres", kRequest2);
  world.failing->fail_decrements = false;
  REQUIRE(failed.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK_THAT(std::string(failed.status().message()), !Catch::Contains("slot released"));
  REQUIRE(world.Count() == 2);

  PoolReconciler reconciler = world.Reconciler(kSettle);
  PoolReconcileOutcome first = Pass(reconciler);
  CHECK(first.verdict == Verdict::kDriftPending);
  CHECK(first.instance_count == 2);
  CHECK(first.tenant_databases == 1);

  PoolReconcileOutcome repaired = PassUntilNot(reconciler, Verdict::kDriftPending);
  CHECK(repaired.verdict == Verdict::kRepaired);
  CHECK(repaired.slots_released == 1);
  CHECK(repaired.drift_age >= kSettle);
  CHECK(world.Count() == 1);
  CHECK(world.repairs == 1);
  CHECK(Pass(reconciler).verdict == Verdict::kInSync);
  CHECK(world.repairs == 1);
}

TEST_CASE("A create blocked inside CREATE DATABASE is never undone, even with no settle time") {
  RealWorld world;
  REQUIRE(world.allocator.Create("tenant_a", "postgres", kRequest1).ok());

  // Hold CREATE DATABASE back: it needs ROW EXCLUSIVE on pg_database.
  pq::PgConnectOptions connect;
  connect.params = {{"host", "127.0.0.1"},
                    {"port", absl::StrCat(world.pool_server.port())},
                    {"user", "postgres"},
                    {"dbname", "postgres"}};
  auto blocker = pq::PgConnection::Connect(connect, absl::Now() + absl::Seconds(5));
  REQUIRE(blocker.ok());
  const absl::Time soon = absl::Now() + absl::Seconds(5);
  REQUIRE((*blocker)->Execute("BEGIN", soon).ok());
  REQUIRE((*blocker)->Execute("LOCK TABLE pg_catalog.pg_database IN SHARE MODE", soon).ok());

  auto create = std::async(std::launch::async, [&] {
    return world.allocator.Create("tenant_slow", "postgres", kRequest2);
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (world.Sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                   "AND query LIKE 'CREATE DATABASE%'") != "1") {
    REQUIRE(absl::Now() < deadline);
    absl::SleepFor(absl::Milliseconds(20));
  }
  REQUIRE(world.Count() == 2);  // the slot is taken, the database not there yet

  // The most eager reconciler: it would repair any drift seen twice.
  PoolReconciler reconciler = world.Reconciler(absl::ZeroDuration());
  for (int i = 0; i < 3; ++i) {
    PoolReconcileOutcome outcome = Pass(reconciler);
    CHECK(outcome.verdict == Verdict::kBusy);
  }
  CHECK(world.Count() == 2);

  blocker = absl::UnavailableError("released");  // closes it: the lock goes
  auto created = create.get();
  REQUIRE(created.ok());
  CHECK(created->database.created);
  CHECK(world.Count() == 2);
  CHECK(Pass(reconciler).verdict == Verdict::kInSync);
  CHECK(world.repairs == 0);
}

TEST_CASE("A drop whose release failed is finished once, and retrying it releases nothing") {
  RealWorld world;
  REQUIRE(world.allocator.Create("tenant_a", "postgres", kRequest1).ok());
  REQUIRE(world.allocator.Create("tenant_b", "postgres", kRequest2).ok());

  world.failing->fail_decrements = true;
  CHECK(world.allocator.Drop(world.pool.id(), "tenant_b", kRequest3, false).status().code() ==
        absl::StatusCode::kUnavailable);
  world.failing->fail_decrements = false;
  REQUIRE(world.pool_server.Databases("tenant_%") == "tenant_a");
  REQUIRE(world.Sql("SELECT count(*) FROM pg_roles WHERE rolname = 'tenant_b_owner'") == "1");
  REQUIRE(world.Count() == 2);

  PoolReconciler reconciler = world.Reconciler(kSettle);
  CHECK(Pass(reconciler).verdict == Verdict::kDriftPending);
  PoolReconcileOutcome repaired = PassUntilNot(reconciler, Verdict::kDriftPending);
  CHECK(repaired.verdict == Verdict::kRepaired);
  CHECK(world.Count() == 1);
  CHECK(world.Sql("SELECT count(*) FROM pg_roles WHERE rolname = 'tenant_b_owner'") == "0");

  auto retried = world.allocator.Drop(world.pool.id(), "tenant_b", kRequest4, true);
  REQUIRE(retried.ok());
  CHECK_FALSE(retried->released);
  CHECK(world.Count() == 1);
  CHECK(world.repairs == 1);
}

TEST_CASE("A tenant database that holds no slot is counted") {
  RealWorld world;
  world.Sql("CREATE ROLE stray_owner NOLOGIN");
  world.Sql("CREATE DATABASE stray OWNER stray_owner");
  PoolReconciler reconciler = world.Reconciler(kSettle);
  PoolReconcileOutcome first = Pass(reconciler);
  CHECK(first.tenant_databases == 1);
  CHECK(first.instance_count == 0);
  PoolReconcileOutcome repaired = PassUntilNot(reconciler, Verdict::kDriftPending);
  CHECK(repaired.verdict == Verdict::kRepaired);
  CHECK(repaired.tenants_counted == 1);
  CHECK(world.Count() == 1);
}

}  // namespace
}  // namespace dbs::database_service
