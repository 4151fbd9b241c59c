// The instance database goes away mid-run and comes back: calls fail with
// UNAVAILABLE in between, readiness flips NOT_SERVING and back, and the service
// recovers by itself, without a restart. Uses its own PostgreSQL cluster so the
// shared fixture server is never stopped.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/instance_service/api/pool_builders.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/rpc_error.h"

namespace {

namespace v1 = ::instance::v1;
using dbs::testing::ContextWithDeadline;
using dbs::testing::ErrorInfoOf;
using dbs::testing::HealthStatus;
using dbs::testing::ServiceProcess;

constexpr char kReadiness[] = "instance.v1.DbServerService";

std::string TempRoot() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr ? tmp : "/tmp";
}

// A private cluster driven through deploy/local/pg-cluster; removed on scope exit.
class PrivateCluster {
 public:
  PrivateCluster() : state_dir_(absl::StrCat(TempRoot(), "/dbs-outage-", getpid())) {
    REQUIRE(Run("start") == 0);
    std::ifstream file(state_dir_ + "/conninfo");
    std::stringstream text;
    text << file.rdbuf();
    conninfo_ = std::string(absl::StripAsciiWhitespace(text.str()));
  }
  ~PrivateCluster() { Run("stop"); }
  int Run(const std::string& command) {
    return std::system(
        absl::StrCat(DBS_PG_CLUSTER_SCRIPT, " ", command, " ", state_dir_, " >/dev/null").c_str());
  }
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string state_dir_;
  std::string conninfo_;
};

grpc::Status GetPool(ServiceProcess& service, const std::string& id) {
  auto stub = v1::DbServerService::NewStub(service.channel());
  v1::GetDbServerRequest request;
  request.set_id(id);
  v1::GetDbServerResponse response;
  return stub->GetDbServer(ContextWithDeadline(5).get(), request, &response);
}

// Polls `condition` every 100 ms for up to `limit`.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration limit = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return condition();
}

}  // namespace

TEST_CASE("a database outage answers UNAVAILABLE, flips readiness, and heals without a restart") {
  PrivateCluster cluster;
  ServiceProcess::Options options;
  options.binary = DBS_INSTANCE_SERVICE_BINARY;
  options.args = {absl::StrCat("--database_url=", cluster.conninfo()),
                  "--readiness_interval_ms=200"};
  options.ready_service = kReadiness;
  auto started = ServiceProcess::Start(options);
  REQUIRE(started.ok());
  ServiceProcess& service = *started;
  auto stub = v1::DbServerService::NewStub(service.channel());
  v1::CreateDbServerRequest create;
  *create.mutable_db_server() = dbs::testing::NewPool("survivor");
  v1::CreateDbServerResponse created;
  REQUIRE(stub->CreateDbServer(ContextWithDeadline().get(), create, &created).ok());
  const std::string id = created.db_server().id();

  REQUIRE(cluster.Run("halt") == 0);
  grpc::Status during;
  CHECK(Eventually([&] {
    during = GetPool(service, id);
    return during.error_code() == grpc::StatusCode::UNAVAILABLE;
  }));
  CHECK(ErrorInfoOf(during).reason() == "DATABASE_UNAVAILABLE");
  CHECK(Eventually([&] { return HealthStatus(service.channel(), kReadiness) == "NOT_SERVING"; }));
  CHECK(HealthStatus(service.channel(), "") == "SERVING");  // alive, just not ready

  REQUIRE(cluster.Run("resume") == 0);
  CHECK(Eventually([&] { return GetPool(service, id).ok(); }));
  CHECK(Eventually([&] { return HealthStatus(service.channel(), kReadiness) == "SERVING"; }));
  CHECK(service.process().Running());  // recovered by itself
}
