// PoolReconciler against the client's fake and FakePoolAdmin, on a test clock:
// when a drift is repaired, how, and when it is left alone.
#include <catch2/catch.hpp>
#include <vector>

#include "database_service/allocation/derived_request_id.h"
#include "database_service/allocation/tenant_allocator.h"
#include "database_service/reconcile/pool_reconciler.h"
#include "tests/database_service/fake_world.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;
using testing::FailingUpdates;
using testing::FakeWorld;
using Verdict = PoolReconcileOutcome::Verdict;

constexpr char kRequest1[] = "5a0c3b1e-2d4f-4a6b-8c9d-0e1f2a3b4c01";
constexpr char kRequest2[] = "5a0c3b1e-2d4f-4a6b-8c9d-0e1f2a3b4c02";
constexpr char kRequest3[] = "5a0c3b1e-2d4f-4a6b-8c9d-0e1f2a3b4c03";
const PoolEndpoint kServer{"10.0.0.1", 5432};
constexpr absl::Duration kSettle = absl::Minutes(10);

// A reconciler on the world, with a clock the test moves and every repair kept.
struct Reconciling {
  explicit Reconciling(FakeWorld& world) : Reconciling(world.client, world.pool_admin) {}
  Reconciling(client::InstanceServiceClient client, std::shared_ptr<PoolAdmin> admin)
      : reconciler(std::move(client), std::move(admin), Options(this)) {}

  static PoolReconcilerOptions Options(Reconciling* self) {
    PoolReconcilerOptions options;
    options.settle = kSettle;
    options.now = [self] { return self->now; };
    options.on_repair = [self](const ReconcileRepair& repair) { self->repairs.push_back(repair); };
    return options;
  }

  // One pass at now + `later`; the outcome of the only pool.
  PoolReconcileOutcome PassAfter(absl::Duration later) {
    now += later;
    auto report = reconciler.RunPass();
    REQUIRE(report.ok());
    REQUIRE(report->pools.size() == 1);
    return report->pools[0];
  }

  absl::Time now = absl::FromUnixSeconds(1700000000);
  std::vector<ReconcileRepair> repairs;
  PoolReconciler reconciler;
};

TEST_CASE("A leaked slot is released once the drift has stayed the same for the settle time") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  REQUIRE(world.client.IncrementInstanceCount(pool.id()).ok());  // the leak
  Reconciling reconciling(world);

  PoolReconcileOutcome first = reconciling.PassAfter(absl::ZeroDuration());
  CHECK(first.verdict == Verdict::kDriftPending);
  CHECK(first.instance_count == 2);
  CHECK(first.tenant_databases == 1);
  CHECK(reconciling.PassAfter(kSettle - absl::Seconds(1)).verdict == Verdict::kDriftPending);
  CHECK(world.Read(pool.id()).instance_count() == 2);

  PoolReconcileOutcome repaired = reconciling.PassAfter(absl::Seconds(1));
  CHECK(repaired.verdict == Verdict::kRepaired);
  CHECK(repaired.slots_released == 1);
  CHECK(repaired.drift_age == kSettle);
  CHECK(world.Read(pool.id()).instance_count() == 1);
  REQUIRE(reconciling.repairs.size() == 1);
  CHECK(reconciling.repairs[0].kind == ReconcileRepair::Kind::kReleaseSlot);
  CHECK(reconciling.repairs[0].pool_id == pool.id());
  CHECK(reconciling.repairs[0].tenant.empty());

  CHECK(reconciling.PassAfter(kSettle).verdict == Verdict::kInSync);
  CHECK(reconciling.repairs.size() == 1);
}

TEST_CASE("A drift that changes starts its settle time over") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);
  REQUIRE(world.client.IncrementInstanceCount(pool.id()).ok());
  Reconciling reconciling(world);
  CHECK(reconciling.PassAfter(absl::ZeroDuration()).verdict == Verdict::kDriftPending);

  // A create finishes meanwhile: same drift (+1), different databases.
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  CHECK(reconciling.PassAfter(kSettle / 2).drift_age == absl::ZeroDuration());
  PoolReconcileOutcome later = reconciling.PassAfter(kSettle / 2);
  CHECK(later.verdict == Verdict::kDriftPending);
  CHECK(later.drift_age == kSettle / 2);
  CHECK(reconciling.PassAfter(kSettle / 2).verdict == Verdict::kRepaired);
  CHECK(world.Read(pool.id()).instance_count() == 1);
}

TEST_CASE("A pool with a tenant create or drop running is skipped, however old the drift") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  REQUIRE(world.client.IncrementInstanceCount(pool.id()).ok());
  world.pool_admin->Change(kServer, [](auto& server) { server.tenant_change_running = true; });
  Reconciling reconciling(world);
  CHECK(reconciling.PassAfter(absl::ZeroDuration()).verdict == Verdict::kBusy);
  CHECK(reconciling.PassAfter(2 * kSettle).verdict == Verdict::kBusy);
  CHECK(world.Read(pool.id()).instance_count() == 1);
  CHECK(reconciling.repairs.empty());
}

TEST_CASE("A tenant database that holds no slot is counted") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  world.pool_admin->Change(kServer, [](auto& server) {
    server.databases["stray"] = "stray_owner";
    server.roles["stray_owner"] = 90001;
  });
  Reconciling reconciling(world);
  CHECK(reconciling.PassAfter(absl::ZeroDuration()).tenant_databases == 1);
  PoolReconcileOutcome repaired = reconciling.PassAfter(kSettle);
  CHECK(repaired.verdict == Verdict::kRepaired);
  CHECK(repaired.tenants_counted == 1);
  CHECK(world.Read(pool.id()).instance_count() == 1);
  REQUIRE(reconciling.repairs.size() == 1);
  CHECK(reconciling.repairs[0].kind == ReconcileRepair::Kind::kCountTenant);
}

TEST_CASE("A full pool cannot count a stray tenant: reported, nothing changed") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432, /*max_instances=*/1);
  TenantAllocator allocator(world.client, world.pool_admin);
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  world.pool_admin->Change(kServer, [](auto& server) {
    server.databases["stray"] = "stray_owner";
    server.roles["stray_owner"] = 90001;
  });
  Reconciling reconciling(world);
  reconciling.PassAfter(absl::ZeroDuration());
  PoolReconcileOutcome failed = reconciling.PassAfter(kSettle);
  CHECK(failed.verdict == Verdict::kRepairFailed);
  CHECK_THAT(failed.message, Catch::Contains("cannot be counted"));
  CHECK(world.Read(pool.id()).instance_count() == 1);
  CHECK(reconciling.repairs.empty());
}

TEST_CASE("A drop whose release never arrived is finished with that drop's own release id") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  auto failing = std::make_shared<FailingUpdates>(world.instance_service);
  TenantAllocator allocator(client::InstanceServiceClient(failing), world.pool_admin);
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  const uint32_t role_oid = world.pool_admin->Get(kServer).roles.at("tenant_1_owner");

  failing->fail_decrements = true;
  CHECK(allocator.Drop(pool.id(), "tenant_1", kRequest2, false).status().code() ==
        absl::StatusCode::kUnavailable);
  failing->fail_decrements = false;
  REQUIRE(world.Read(pool.id()).instance_count() == 1);  // no database, one slot

  Reconciling reconciling(world);
  reconciling.PassAfter(absl::ZeroDuration());
  PoolReconcileOutcome repaired = reconciling.PassAfter(kSettle);
  CHECK(repaired.verdict == Verdict::kRepaired);
  CHECK(world.Read(pool.id()).instance_count() == 0);
  REQUIRE(reconciling.repairs.size() == 1);
  CHECK(reconciling.repairs[0].tenant == "tenant_1");
  CHECK(reconciling.repairs[0].request_id ==
        TenantReleaseRequestId(pool.id(), "tenant_1", role_oid));
  CHECK(world.pool_admin->Get(kServer).roles.count("tenant_1_owner") == 0);

  // A retried drop that raced the reconciler sends the same release: a replay.
  instance::v1::DecrementInstanceCountRequest racing;
  racing.set_id(pool.id());
  racing.set_request_id(TenantReleaseRequestId(pool.id(), "tenant_1", role_oid));
  CHECK(world.client.DecrementInstanceCount(racing).ok());
  CHECK(world.Read(pool.id()).instance_count() == 0);

  // The drop, retried after all, finds nothing left and releases nothing more.
  auto retried = allocator.Drop(pool.id(), "tenant_1", kRequest3, /*allow_missing=*/true);
  REQUIRE(retried.ok());
  CHECK_FALSE(retried->released);
  CHECK(world.Read(pool.id()).instance_count() == 0);
}

TEST_CASE("An owner role whose drop did release is removed without counting it twice") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  TenantAllocator allocator(world.client, world.pool_admin);
  REQUIRE(allocator.Create("tenant_1", "postgres", kRequest1).ok());
  world.pool_admin->FailNextRoleDrops(1);  // released, but the role stays
  CHECK_FALSE(allocator.Drop(pool.id(), "tenant_1", kRequest2, false).ok());
  REQUIRE(world.Read(pool.id()).instance_count() == 0);
  REQUIRE(world.client.IncrementInstanceCount(pool.id()).ok());  // an unrelated leak

  Reconciling reconciling(world);
  reconciling.PassAfter(absl::ZeroDuration());
  PoolReconcileOutcome repaired = reconciling.PassAfter(kSettle);
  CHECK(repaired.verdict == Verdict::kRepaired);
  CHECK(repaired.slots_released == 1);
  CHECK(world.Read(pool.id()).instance_count() == 0);
  REQUIRE(reconciling.repairs.size() == 1);
  CHECK(reconciling.repairs[0].tenant.empty());
  CHECK(world.pool_admin->Get(kServer).roles.count("tenant_1_owner") == 0);
}

TEST_CASE("An unreachable pool server is reported and PROVISIONING pools are not looked at") {
  FakeWorld world;
  const DbServer pool = world.AddPool("pg-a", 5432);
  world.AddPool("pg-new", 5433, 10, DbServer::STATE_PROVISIONING);
  world.pool_admin->Change(kServer,
                           [](auto& server) { server.down = absl::UnavailableError("refused"); });
  Reconciling reconciling(world);
  PoolReconcileOutcome outcome = reconciling.PassAfter(absl::ZeroDuration());
  CHECK(outcome.pool_id == pool.id());
  CHECK(outcome.verdict == Verdict::kUnreachable);
  CHECK_THAT(outcome.message, Catch::Contains("refused"));
}

TEST_CASE("The minimum settle time covers a whole create, twice") {
  CHECK(MinimumReconcileSettle(absl::Seconds(10), absl::Seconds(3), absl::Seconds(60)) ==
        absl::Seconds(166));
}

}  // namespace
}  // namespace dbs::database_service
