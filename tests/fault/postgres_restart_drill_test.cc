// Drill: PostgreSQL restarts while 16 callers keep allocating through
// InstanceServiceClient. Every call ends OK or UNAVAILABLE by its deadline;
// instance-service recovers by itself; and once each call whose outcome is unknown
// is settled by replaying its request_id, the slots taken equal the allocations made:
// none lost, none counted twice.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "tests/fault/drill_support.h"
#include "tests/support/client_pools.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::testing::AllocatingCallers;

constexpr absl::Duration kCallTimeout = absl::Seconds(2);
// A call may end this much after its deadline: the client returns at the deadline;
// the thread then records it.
constexpr absl::Duration kOverrunAllowed = absl::Milliseconds(200);

}  // namespace

TEST_CASE("PostgreSQL restarts under 16 allocating callers: nothing lost, nothing doubled") {
  dbs::testing::PrivateCluster cluster;
  const std::string database_url = cluster.CreateDatabase("instance");
  dbs::testing::ServiceProcess service = dbs::testing::StartInstanceService(database_url);
  dbs::client::ClientOptions options;
  options.target = service.address();
  const auto client = dbs::client::MakeInstanceServiceClient(options);
  dbs::testing::CreateActivePool(client, "pool", 1'000'000);

  AllocatingCallers callers(client, 16, kCallTimeout);
  REQUIRE(callers.WaitFor([](const AllocatingCallers& c) { return c.Count("OK") >= 100; },
                          absl::Seconds(30)));
  cluster.Halt();
  const absl::Time down = absl::Now();
  REQUIRE(callers.WaitFor(
      [down](const AllocatingCallers& c) { return c.Count("UNAVAILABLE", down) >= 16; },
      absl::Seconds(10)));
  cluster.Resume();
  const absl::Time up = absl::Now();
  // Recovered without a restart: allocations succeed again through the same process.
  CHECK(callers.WaitFor([up](const AllocatingCallers& c) { return c.Count("OK", up) >= 100; },
                        absl::Seconds(30)));
  callers.Stop();
  CHECK(service.process().Running());

  const int ok = callers.Count("OK");
  const int unavailable = callers.Count("UNAVAILABLE");
  const std::vector<std::string> unknown = callers.Unknown();
  INFO("OK " << ok << ", UNAVAILABLE " << unavailable << ", unknown " << unknown.size());
  CHECK(ok + unavailable == callers.Total());  // every call ended OK or UNAVAILABLE
  CHECK(unavailable > 0);
  CHECK(callers.WorstOverrun() <= kOverrunAllowed);

  // Each unknown outcome is settled once; then every allocation holds exactly one slot.
  dbs::testing::SettleByReplay(client, unknown);
  CHECK(dbs::testing::QueryScalar(database_url, "SELECT sum(instance_count) FROM db_servers") ==
        absl::StrCat(ok + unknown.size()));
  CHECK(dbs::testing::QueryScalar(database_url,
                                  "SELECT count(*) FROM request_ids"
                                  " WHERE fingerprint LIKE 'AllocateDbServer:%'") ==
        absl::StrCat(ok + unknown.size()));
}
