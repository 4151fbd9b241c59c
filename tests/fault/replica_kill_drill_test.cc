// Drill: two instance-service replicas behind one multi-address target (round_robin),
// one SIGKILLed while 16 callers allocate. The client fails over to the survivor; once
// the unknown outcomes are settled by replaying their request ids, no allocation is
// lost or counted twice.
#include <csignal>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "tests/fault/drill_support.h"
#include "tests/support/client_pools.h"
#include "tests/support/test_postgres.h"

using dbs::testing::AllocatingCallers;

TEST_CASE("A replica killed mid-load: the client fails over, nothing lost or doubled") {
  dbs::testing::ScratchDatabase database;
  dbs::testing::ServiceProcess doomed =
      dbs::testing::StartInstanceService(database.connection_string());
  dbs::testing::ServiceProcess survivor =
      dbs::testing::StartInstanceService(database.connection_string());
  dbs::client::ClientOptions options;
  options.target = absl::StrCat("ipv4:", doomed.address(), ",", survivor.address());
  const auto client = dbs::client::MakeInstanceServiceClient(options);
  dbs::testing::CreateActivePool(client, "pool", 1'000'000);

  AllocatingCallers callers(client, 16, absl::Seconds(3));
  REQUIRE(callers.WaitFor([](const AllocatingCallers& c) { return c.Count("OK") >= 200; },
                          absl::Seconds(30)));
  REQUIRE(doomed.process().Stop(absl::Seconds(5), SIGKILL).ok());
  const absl::Time killed = absl::Now();
  CHECK(
      callers.WaitFor([killed](const AllocatingCallers& c) { return c.Count("OK", killed) >= 200; },
                      absl::Seconds(30)));
  callers.Stop();

  const int ok = callers.Count("OK");
  const std::vector<std::string> unknown = callers.Unknown();
  INFO("OK " << ok << ", unknown " << unknown.size());
  CHECK(ok + callers.Count("UNAVAILABLE") == callers.Total());
  CHECK(callers.WorstOverrun() <= absl::Milliseconds(200));
  dbs::testing::SettleByReplay(client, unknown);
  CHECK(dbs::testing::QueryScalar(database.connection_string(),
                                  "SELECT sum(instance_count) FROM db_servers") ==
        absl::StrCat(ok + unknown.size()));
}
