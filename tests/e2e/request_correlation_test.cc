// The call log and request correlation across both real services: instance-service
// (on a scratch database of the fixture, its URL holding a password) and
// database-service (with a pool admin password), both with --call_log=all and
// their logs in files. The fixture's own PostgreSQL serves as the pool server.
//
// One CreateDatabase sent with an x-request-id is then one grep of the two logs:
// database-service's line for the call and instance-service's line for the
// AllocateDbServer it made, under the same id. No password appears in either log.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "database/v1/database_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "tests/support/free_port.h"
#include "tests/support/service_process.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::testing::QueryScalar;
using dbs::testing::ScratchDatabase;
using dbs::testing::ServiceProcess;

std::string Unique(absl::string_view prefix) {
  return absl::StrCat(prefix, "-", getpid(), "-", absl::Uniform<uint32_t>(absl::BitGen()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A fresh UUID, as the API's request_id (idempotency key) must be.
std::string Uuid() {
  return std::string(absl::StripAsciiWhitespace(ReadFile("/proc/sys/kernel/random/uuid")));
}

// The lines of `log` that contain `needle`.
std::vector<std::string> Grep(const std::string& log, const std::string& needle) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, needle)) lines.emplace_back(line);
  }
  return lines;
}

// The value of `key=` in a libpq key=value connection string.
// (The test's own conninfo: unquoted values, separated by spaces.)
std::string ConninfoValue(const std::string& conninfo, const std::string& key) {
  const std::string prefix = key + "=";
  for (absl::string_view field : absl::StrSplit(conninfo, ' ', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&field, prefix)) return std::string(field);
  }
  return "";
}

// An x-request-id on the way out; the one the answer echoed on the way back.
struct Correlated {
  explicit Correlated(const std::string& request_id) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
  }
  std::string Echoed() const {
    const auto& trailers = context.GetServerTrailingMetadata();
    const auto found = trailers.find("x-request-id");
    return found == trailers.end() ? "" : std::string(found->second.data(), found->second.size());
  }
  grpc::ClientContext context;
};

std::unique_ptr<ServiceProcess> Started(const ServiceProcess::Options& options) {
  auto process = ServiceProcess::Start(options);
  if (!process.ok()) FAIL(options.binary << " did not start: " << process.status());
  return std::make_unique<ServiceProcess>(*std::move(process));
}

class LoggedStack {
 public:
  LoggedStack()
      : dir_(absl::StrCat(DBS_E2E_STATE_DIR, "/", Unique("correlation"))),
        instance_password_(Unique("instance-secret")),
        pool_password_(Unique("pool-secret")),
        tenant_(
            absl::StrCat("tenant_corr_", getpid(), "_", absl::Uniform<uint32_t>(absl::BitGen()))) {
    REQUIRE(std::system(absl::StrCat("mkdir -p '", dir_, "'").c_str()) == 0);
    // The password is ignored by the fixture (trust), but it is in the URL the
    // service holds, as it would be in production.
    ServiceProcess::Options instance;
    instance.binary = DBS_INSTANCE_SERVICE_BINARY;
    instance.args = {absl::StrCat("--database_url=", instance_database_.connection_string(),
                                  " password=", instance_password_),
                     "--call_log=all"};
    instance.ready_service = "instance.v1.DbServerService";
    instance.log_file = instance_log();
    instance_ = Started(instance);

    const std::string admin = dbs::testing::AdminConnectionString();
    ServiceProcess::Options database;
    database.binary = DBS_DATABASE_SERVICE_BINARY;
    database.args = {absl::StrCat("--instance_service_target=", instance_->address()),
                     "--monitoring_interval_ms=0", "--pool_connect_timeout_ms=2000"};
    database.env = {absl::StrCat("DATABASE_SERVICE_POOL_ADMIN_USER=", ConninfoValue(admin, "user")),
                    absl::StrCat("DATABASE_SERVICE_POOL_ADMIN_PASSWORD=", pool_password_),
                    "DATABASE_SERVICE_CALL_LOG=all"};  // the environment fallback
    database.ready_service = "database.v1.DatabaseService";
    database.log_file = database_log();
    database_service_ = Started(database);
    databases_ = database::v1::DatabaseService::NewStub(database_service_->channel());
    pool_host_ = ConninfoValue(admin, "host");
    pool_port_ = std::stoi(ConninfoValue(admin, "port"));
  }

  ~LoggedStack() {
    // The tenant lives on the fixture's server: leave nothing behind.
    const std::string admin = dbs::testing::AdminConnectionString();
    QueryScalar(admin, absl::StrCat("DROP DATABASE IF EXISTS ", tenant_, " WITH (FORCE)"));
    QueryScalar(admin, absl::StrCat("DROP ROLE IF EXISTS ", tenant_, "_owner"));
  }

  grpc::Status Provision(const std::string& request_id, int port, std::string* echoed) {
    database::v1::ProvisionPoolRequest request;
    request.set_display_name(Unique("pg-corr"));
    request.set_host(pool_host_);
    request.set_port(port);
    request.set_max_instances(5);
    database::v1::ProvisionPoolResponse response;
    Correlated call(request_id);
    const grpc::Status status = databases_->ProvisionPool(&call.context, request, &response);
    *echoed = call.Echoed();
    return status;
  }

  grpc::Status CreateDatabase(const std::string& request_id, const std::string& server_type,
                              std::string* echoed) {
    database::v1::CreateDatabaseRequest request;
    request.set_database_name(tenant_);
    request.set_server_type(server_type);
    request.set_request_id(Uuid());
    database::v1::CreateDatabaseResponse response;
    Correlated call(request_id);
    const grpc::Status status = databases_->CreateDatabase(&call.context, request, &response);
    *echoed = call.Echoed();
    return status;
  }

  std::string instance_log() const { return dir_ + "/instance-service.log"; }
  std::string database_log() const { return dir_ + "/database-service.log"; }
  const std::string& instance_password() const { return instance_password_; }
  const std::string& pool_password() const { return pool_password_; }
  int pool_port() const { return pool_port_; }
  ServiceProcess& instance() { return *instance_; }

 private:
  std::string dir_;
  std::string instance_password_;
  std::string pool_password_;
  std::string tenant_;
  ScratchDatabase instance_database_;
  std::unique_ptr<ServiceProcess> instance_;
  std::unique_ptr<ServiceProcess> database_service_;
  std::unique_ptr<database::v1::DatabaseService::Stub> databases_;
  std::string pool_host_;
  int pool_port_ = 0;
};

}  // namespace

TEST_CASE(
    "One CreateDatabase is one grep of both logs by its x-request-id, and no password is "
    "ever logged") {
  LoggedStack stack;
  const std::string provision_id = Unique("provision");
  std::string echoed;
  REQUIRE(stack.Provision(provision_id, stack.pool_port(), &echoed).ok());
  CHECK(echoed == provision_id);

  const std::string create_id = Unique("create");
  const grpc::Status created = stack.CreateDatabase(create_id, "postgres", &echoed);
  INFO(created.error_message());
  REQUIRE(created.ok());
  CHECK(echoed == create_id);

  // No pool of that type: an error on both sides, with its reason.
  const std::string refused_id = Unique("refused");
  CHECK(stack.CreateDatabase(refused_id, "nosuchtype", &echoed).error_code() ==
        grpc::StatusCode::RESOURCE_EXHAUSTED);

  // A pool server that does not answer: database-service connects to it with the
  // pool admin password, and logs why that failed (the call itself answers OK,
  // with the pool FAILED).
  const std::string dead_id = Unique("dead");
  REQUIRE(stack.Provision(dead_id, dbs::testing::PickFreeLoopbackPort(), &echoed).ok());

  const std::string database_log = ReadFile(stack.database_log());
  const std::string instance_log = ReadFile(stack.instance_log());

  // The grep: database-service's call, and the AllocateDbServer it made, under one id.
  const auto create_here = Grep(database_log, create_id);
  const auto create_there = Grep(instance_log, create_id);
  WARN("grep " << create_id << " database-service.log instance-service.log\n  "
               << absl::StrJoin(create_here, "\n  ") << "\n  "
               << absl::StrJoin(create_there, "\n  "));
  // The flow's own line, then the call's.
  REQUIRE(create_here.size() == 2);
  CHECK_THAT(create_here[0], Catch::Contains("created tenant database"));
  CHECK_THAT(create_here[1],
             Catch::Contains(absl::StrCat("] x-request-id=", create_id,
                                          " call /database.v1.DatabaseService/CreateDatabase ")));
  CHECK_THAT(create_here[1], Catch::Contains(" peer=ipv4:127.0.0.1:"));
  CHECK_THAT(create_here[1], Catch::Contains(" code=OK reason=- latency="));
  REQUIRE(create_there.size() == 1);
  CHECK_THAT(create_there[0],
             Catch::Contains("call /instance.v1.DbServerService/AllocateDbServer"));
  CHECK_THAT(create_there[0], Catch::Contains(" code=OK reason=- latency="));

  // The refusal, on both sides, with code, reason and message.
  const auto refused_here = Grep(database_log, refused_id);
  const auto refused_there = Grep(instance_log, refused_id);
  REQUIRE(refused_here.size() == 1);
  CHECK_THAT(refused_here[0], Catch::Contains("call /database.v1.DatabaseService/CreateDatabase"));
  CHECK_THAT(refused_here[0], Catch::Contains("code=RESOURCE_EXHAUSTED reason=NO_CAPACITY"));
  CHECK_THAT(refused_here[0], Catch::Contains(" message=\""));
  REQUIRE(refused_there.size() == 1);
  CHECK_THAT(refused_there[0],
             Catch::Contains("call /instance.v1.DbServerService/AllocateDbServer"));
  CHECK_THAT(refused_there[0], Catch::Contains("code=RESOURCE_EXHAUSTED reason=NO_CAPACITY"));

  // Provisioning: every instance-service call it made (List, Create, Update), and
  // database-service's own lines while it ran, carry its id.
  CHECK(Grep(instance_log, provision_id).size() == 3);
  CHECK(Grep(absl::StrJoin(Grep(database_log, provision_id), "\n"), "registered pool").size() == 1);
  const auto dead = Grep(database_log, dead_id);
  CHECK(Grep(absl::StrJoin(dead, "\n"), "failed provisioning").size() == 1);
  for (const auto& line : dead) UNSCOPED_INFO(line);

  // Secrets never appear, in either log, whatever the call.
  CHECK_FALSE(absl::StrContains(instance_log, stack.instance_password()));
  CHECK_FALSE(absl::StrContains(database_log, stack.pool_password()));
  CHECK_FALSE(absl::StrContains(instance_log, stack.pool_password()));
  CHECK_FALSE(absl::StrContains(database_log, stack.instance_password()));
}

TEST_CASE("A call without an x-request-id is logged and answered under one the server made") {
  LoggedStack stack;
  instance::v1::GetDbServerRequest request;
  request.set_id("not-a-uuid");
  instance::v1::GetDbServerResponse response;
  Correlated call("");
  const grpc::Status status = instance::v1::DbServerService::NewStub(stack.instance().channel())
                                  ->GetDbServer(&call.context, request, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  const std::string id = call.Echoed();
  REQUIRE(id.size() == 36);
  const auto lines = Grep(ReadFile(stack.instance_log()), id);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("call /instance.v1.DbServerService/GetDbServer"));
  CHECK_THAT(lines[0], Catch::Contains("code=INVALID_ARGUMENT reason=INVALID_FIELD"));
  // The message, quoted with its quotes escaped.
  CHECK_THAT(lines[0], Catch::Contains("got \\\"not-a-uuid\\\"\""));
}
