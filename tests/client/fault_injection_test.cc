// Faults between the client and the real instance-service: a response lost after
// the server committed. Needs the `postgres` fixture.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "client/instance_service_client.h"
#include "tests/client/real_instance_service.h"
#include "tests/client/tcp_proxy.h"
#include "tests/support/client_pools.h"

namespace dbs::client {
namespace {

namespace v1 = ::instance::v1;

int PortOf(const std::string& address) {
  int port = 0;
  REQUIRE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
  return port;
}

TEST_CASE("An increment whose answer is lost after the commit is retried and counts once") {
  RealInstanceService server;
  TcpProxy proxy(PortOf(server.address()));
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mu = std::make_shared<absl::Mutex>();
  ClientOptions options = server.Options();
  options.target = absl::StrCat("127.0.0.1:", proxy.port());
  options.call_logger = [lines, mu](const std::string& line) {
    absl::MutexLock lock(mu.get());
    lines->push_back(line);
  };
  auto client = MakeInstanceServiceClient(options);
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-lost-answer");

  // The answer to the increment carries the pool, display_name and all: the
  // proxy swallows it and cuts the connection, after the server has committed.
  proxy.DropResponseContaining("pg-lost-answer");
  auto incremented = client.IncrementInstanceCount(pool.id());

  REQUIRE(incremented.ok());
  CHECK(proxy.dropped() == 1);
  CHECK(proxy.connections() >= 2);
  CHECK(incremented->instance_count() == 1);
  auto direct = server.Client().GetDbServer(pool.id());  // not through the proxy
  REQUIRE(direct.ok());
  CHECK(direct->instance_count() == 1);

  absl::MutexLock lock(mu.get());
  std::vector<std::string> increments;
  for (const std::string& line : *lines) {
    if (line.rfind("IncrementInstanceCount", 0) == 0) increments.push_back(line);
  }
  INFO(absl::StrJoin(increments, "\n"));
  REQUIRE(increments.size() == 2);
  CHECK_THAT(increments[0], Catch::Contains("code=UNAVAILABLE"));
  CHECK_THAT(increments[1], Catch::Contains("code=OK"));
}

TEST_CASE("An allocation whose answer is lost is retried and takes one slot") {
  RealInstanceService server;
  TcpProxy proxy(PortOf(server.address()));
  ClientOptions options = server.Options();
  options.target = absl::StrCat("127.0.0.1:", proxy.port());
  auto client = MakeInstanceServiceClient(options);
  const v1::DbServer pool = dbs::testing::CreateActivePool(client, "pg-lost-allocation");

  proxy.DropResponseContaining("pg-lost-allocation");
  auto allocated = client.AllocateDbServer("postgres");

  REQUIRE(allocated.ok());
  CHECK(proxy.dropped() == 1);
  auto direct = server.Client().GetDbServer(pool.id());
  REQUIRE(direct.ok());
  CHECK(direct->instance_count() == 1);
}

TEST_CASE("A dns:/// target reaches the server through round_robin") {
  RealInstanceService server;
  ClientOptions options = server.Options();
  options.target = absl::StrCat("dns:///localhost:", PortOf(server.address()));
  auto client = MakeInstanceServiceClient(options);
  auto all = client.ListAllDbServers();
  REQUIRE(all.ok());
  CHECK(all->empty());
}

}  // namespace
}  // namespace dbs::client
