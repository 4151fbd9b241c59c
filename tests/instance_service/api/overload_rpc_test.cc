// A burst of 512 concurrent callers against small limits: every answer is OK,
// UNAVAILABLE SERVER_OVERLOADED with a RetryInfo (shed before any work), or
// RESOURCE_EXHAUSTED NO_CAPACITY where the capacity really ran out. Health and
// reflection answer in the middle of it, and memory stays bounded.
#include <map>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "libpq-fe.h"
#include "tests/instance_service/api/pool_builders.h"
#include "tests/support/call_burst.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/process_memory.h"
#include "tests/support/rpc_error.h"
#include "tests/support/server_reflection.h"

namespace {

namespace v1 = ::instance::v1;
using dbs::testing::BurstCall;
using dbs::testing::CallBurst;
using dbs::testing::CreateActivePool;
using dbs::testing::InstanceServiceUnderTest;
using dbs::testing::OutcomeOf;
using dbs::testing::QueryScalar;

constexpr int kCallers = 512;
constexpr int kCapacity = 100;

}  // namespace

TEST_CASE("512 concurrent callers get OK, UNAVAILABLE SERVER_OVERLOADED or NO_CAPACITY") {
  // Two handler threads (one connection each) and room for eight waiting calls.
  InstanceServiceUnderTest service({"--db_pool_size=2", "--max_queued_calls=8"});
  const v1::DbServer pool = CreateActivePool(service.stub(), "pool", "postgres", kCapacity);

  // Hold the pool's row locked, so that the allocations admitted now wait on it and
  // keep both handler threads busy while the burst arrives.
  PGconn* holder = PQconnectdb(service.database_url().c_str());
  REQUIRE(PQstatus(holder) == CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN"));
  PQclear(PQexec(holder, "SELECT 1 FROM db_servers FOR UPDATE"));

  std::vector<BurstCall> calls;
  for (int i = 0; i < kCallers; ++i) {
    if (i % 2 == 0) {
      auto request = std::make_shared<v1::AllocateDbServerRequest>();
      request->set_server_type("postgres");
      calls.push_back({"/instance.v1.DbServerService/AllocateDbServer", request});
    } else {
      auto request = std::make_shared<v1::GetDbServerRequest>();
      request->set_id(pool.id());
      calls.push_back({"/instance.v1.DbServerService/GetDbServer", request});
    }
  }
  CallBurst burst(service.channel(), calls, absl::Seconds(20));

  // While the burst is in the server: liveness, readiness and reflection answer.
  CHECK(dbs::testing::HealthStatus(service.channel(), "") == "SERVING");
  CHECK(dbs::testing::HealthStatus(service.channel(), "instance.v1.DbServerService") == "SERVING");
  CHECK(
      dbs::testing::ReflectedServiceNames(service.channel()).count("instance.v1.DbServerService") ==
      1);
  PQclear(PQexec(holder, "COMMIT"));
  PQfinish(holder);

  std::map<std::string, int> outcomes;
  int allocated = 0;
  int overloaded_without_retry_info = 0;
  const std::vector<grpc::Status> statuses = burst.Wait();
  for (size_t i = 0; i < statuses.size(); ++i) {
    const std::string outcome = OutcomeOf(statuses[i]);
    ++outcomes[outcome];
    if (i % 2 == 0 && outcome == "OK") ++allocated;
    if (outcome == "UNAVAILABLE SERVER_OVERLOADED" && !dbs::testing::HasRetryInfo(statuses[i])) {
      ++overloaded_without_retry_info;
    }
  }
  for (const auto& [outcome, count] : outcomes) UNSCOPED_INFO(outcome << ": " << count);
  int expected = 0;
  for (const char* allowed :
       {"OK", "UNAVAILABLE SERVER_OVERLOADED", "RESOURCE_EXHAUSTED NO_CAPACITY"}) {
    expected += outcomes[allowed];
  }
  CHECK(expected == kCallers);
  CHECK(outcomes["UNAVAILABLE SERVER_OVERLOADED"] > 0);  // the limits were reached
  CHECK(outcomes["OK"] > 0);
  CHECK(overloaded_without_retry_info == 0);
  // Every successful allocation, and only those, took a slot.
  CHECK(QueryScalar(service.database_url(), "SELECT instance_count FROM db_servers") ==
        std::to_string(allocated));
  CHECK(allocated <= kCapacity);
  CHECK(dbs::testing::PeakRssKib(service.process().process().pid()) <=
        96 * 1024 * dbs::testing::kRssBoundScale);
}
