// 64 concurrent callers against a fixed capacity: exactly the capacity succeeds,
// the rest are refused, and no pool ever exceeds max_instances.
#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "tests/instance_service/api/pool_builders.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/rpc_error.h"

namespace {

namespace v1 = ::instance::v1;
using dbs::testing::ContextWithDeadline;
using dbs::testing::CreateActivePool;
using dbs::testing::ErrorInfoOf;
using dbs::testing::InstanceServiceUnderTest;
using dbs::testing::QueryScalar;

constexpr int kCallers = 64;
constexpr int kCallsPerCaller = 3;  // 192 attempts against 100 slots

struct Tally {
  int ok = 0;
  int refused = 0;
  int other = 0;
};

// Runs `call` kCallsPerCaller times on each of kCallers threads, counting OK,
// `refusal` (with `reason`) and anything else.
template <typename Call>
Tally Hammer(Call call, grpc::StatusCode refusal, const std::string& reason) {
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&] {
      for (int attempt = 0; attempt < kCallsPerCaller; ++attempt) {
        const grpc::Status status = call();
        if (status.ok()) {
          ++ok;
        } else if (status.error_code() == refusal && ErrorInfoOf(status).reason() == reason) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  return Tally{ok.load(), refused.load(), other.load()};
}

}  // namespace

TEST_CASE("64 callers of AllocateDbServer get exactly the 100 slots of 4 pools") {
  InstanceServiceUnderTest service({"--db_pool_size=16"});
  const int capacities[] = {10, 20, 30, 40};
  for (int i = 0; i < 4; ++i) {
    CreateActivePool(service.stub(), absl::StrCat("pool-", i), "postgres", capacities[i]);
  }
  const Tally tally = Hammer(
      [&] {
        v1::AllocateDbServerRequest request;
        request.set_server_type("postgres");
        v1::AllocateDbServerResponse response;
        return service.stub().AllocateDbServer(ContextWithDeadline(30).get(), request, &response);
      },
      grpc::StatusCode::RESOURCE_EXHAUSTED, "NO_CAPACITY");
  CHECK(tally.ok == 100);
  CHECK(tally.refused == kCallers * kCallsPerCaller - 100);
  CHECK(tally.other == 0);
  CHECK(QueryScalar(service.database_url(), "SELECT sum(instance_count) FROM db_servers") == "100");
  CHECK(QueryScalar(service.database_url(),
                    "SELECT count(*) FROM db_servers WHERE instance_count > max_instances") == "0");
}

TEST_CASE("64 callers of IncrementInstanceCount on one pool of 100 get exactly 100") {
  InstanceServiceUnderTest service({"--db_pool_size=16"});
  const v1::DbServer pool = CreateActivePool(service.stub(), "pool", "postgres", 100);
  const Tally tally = Hammer(
      [&] {
        v1::IncrementInstanceCountRequest request;
        request.set_id(pool.id());
        v1::IncrementInstanceCountResponse response;
        return service.stub().IncrementInstanceCount(ContextWithDeadline(30).get(), request,
                                                     &response);
      },
      grpc::StatusCode::FAILED_PRECONDITION, "DB_SERVER_FULL");
  CHECK(tally.ok == 100);
  CHECK(tally.refused == kCallers * kCallsPerCaller - 100);
  CHECK(tally.other == 0);
  CHECK(QueryScalar(service.database_url(), "SELECT instance_count FROM db_servers") == "100");
}
