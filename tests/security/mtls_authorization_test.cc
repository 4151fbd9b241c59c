// mTLS and gRPC's authorization policy on the real instance-service binary, on a
// real PostgreSQL: who gets through the handshake, what each identity may call, what
// the server logs about a denial, and a policy edited under a running server.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/instance_service_client.h"
#include "grpcpp/create_channel.h"
#include "tests/instance_service/api/pool_builders.h"
#include "tests/security/security_fixture.h"
#include "tests/support/instance_service_under_test.h"

namespace {

using dbs::testing::ContextWithDeadline;
using dbs::testing::DevCertificates;
using dbs::testing::SecureInstanceService;
using instance::v1::DbServerService;

grpc::Status CreateAs(DbServerService::Stub& stub, const std::string& name) {
  instance::v1::CreateDbServerRequest request;
  *request.mutable_db_server() = dbs::testing::NewPool(name);
  request.set_request_id(dbs::testing::NewRequestId());
  instance::v1::CreateDbServerResponse response;
  return stub.CreateDbServer(ContextWithDeadline(5).get(), request, &response);
}

grpc::Status DeleteAs(DbServerService::Stub& stub, const std::string& id) {
  instance::v1::DeleteDbServerRequest request;
  request.set_id(id);
  instance::v1::DeleteDbServerResponse response;
  return stub.DeleteDbServer(ContextWithDeadline(5).get(), request, &response);
}

// Log lines containing `needle`.
std::vector<std::string> LinesWith(const std::string& log, const std::string& needle) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, needle)) lines.emplace_back(line);
  }
  return lines;
}

// Polls `condition` every 100 ms until it holds or `limit` passes.
template <typename Condition>
bool WaitFor(Condition condition, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return condition();
}

TEST_CASE("A client certificate from the cluster CA reaches the API through the client library") {
  SecureInstanceService server;
  const DevCertificates& certs = DevCertificates::Get();
  // As database-service does it: the client library, certificate files, mTLS.
  dbs::client::ClientOptions options;
  options.target = server.address();
  options.tls.enabled = true;
  options.tls.root_certificates_file = certs.Path("ca.crt");
  options.tls.client_certificate_chain_file = certs.Path("database-service.crt");
  options.tls.client_private_key_file = certs.Path("database-service.key");
  const dbs::client::InstanceServiceClient client = dbs::client::MakeInstanceServiceClient(options);

  instance::v1::CreateDbServerRequest request;
  *request.mutable_db_server() = dbs::testing::NewPool("pg-mtls-1");
  auto created = client.CreateDbServer(request);
  INFO(created.status());
  REQUIRE(created.ok());
  CHECK(created->display_name() == "pg-mtls-1");
  CHECK(server.CountPools() == 1);
}

TEST_CASE(
    "Without a client certificate, with one from another CA, or in plaintext the handshake "
    "fails: UNAVAILABLE, and nothing is written") {
  SecureInstanceService server;
  const DevCertificates& certs = DevCertificates::Get();
  struct Caller {
    const char* who;
    std::shared_ptr<grpc::ChannelCredentials> credentials;
  };
  // The intruder's certificate claims spiffe://dbs.internal/database-service, the
  // identity the policy trusts most, but another CA signed it.
  for (const Caller& caller :
       {Caller{"no client certificate", certs.Credentials("")},
        Caller{"a certificate from another CA", certs.Credentials("intruder")},
        Caller{"plaintext", grpc::InsecureChannelCredentials()}}) {
    auto stub = DbServerService::NewStub(grpc::CreateChannel(server.address(), caller.credentials));
    const grpc::Status status = CreateAs(*stub, "pg-refused");
    INFO(caller.who << ": " << status.error_code() << " " << status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  }
  CHECK(server.CountPools() == 0);
  // Refused at the handshake, so the authorization engine never saw a call.
  CHECK(LinesWith(server.WarningLog(), "authorization denied").empty());
}

TEST_CASE(
    "The example policy lets the read-only identity List, Get and Find, and denies its "
    "writes with PERMISSION_DENIED, logged once with method and principal") {
  SecureInstanceService server;
  auto full = server.StubAs("database-service");
  auto readonly = server.StubAs("readonly");
  const instance::v1::DbServer pool = dbs::testing::CreateActivePool(*full, "pg-policy-1");

  // Allowed: the three reads.
  {
    instance::v1::GetDbServerRequest request;
    request.set_id(pool.id());
    instance::v1::GetDbServerResponse response;
    const grpc::Status status =
        readonly->GetDbServer(ContextWithDeadline().get(), request, &response);
    INFO(status.error_message());
    CHECK(status.ok());
    CHECK(response.db_server().display_name() == "pg-policy-1");
  }
  {
    instance::v1::ListDbServersRequest request;
    instance::v1::ListDbServersResponse response;
    CHECK(readonly->ListDbServers(ContextWithDeadline().get(), request, &response).ok());
    CHECK(response.db_servers_size() == 1);
  }
  {
    instance::v1::FindAvailableDbServerRequest request;
    request.set_server_type("postgres");
    instance::v1::FindAvailableDbServerResponse response;
    CHECK(readonly->FindAvailableDbServer(ContextWithDeadline().get(), request, &response).ok());
    CHECK(response.db_server().id() == pool.id());
  }

  // Denied: a write, by gRPC's engine, before any handler.
  const grpc::Status denied = DeleteAs(*readonly, pool.id());
  CHECK(denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(server.CountPools() == 1);
  const grpc::Status create_denied = CreateAs(*readonly, "pg-policy-2");
  CHECK(create_denied.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(server.CountPools() == 1);

  // The server logged each denial once: method and principal, no secrets.
  const std::string log = server.WarningLog();
  const auto deletes = LinesWith(log, "method=/instance.v1.DbServerService/DeleteDbServer");
  REQUIRE(deletes.size() == 1);
  CHECK_THAT(deletes[0], Catch::Contains("authorization denied"));
  CHECK_THAT(deletes[0], Catch::Contains("principal=spiffe://dbs.internal/readonly/oncall"));
  CHECK_THAT(deletes[0], Catch::Contains("rule=(no allow rule matched)"));
  WARN("denied call logged: " << deletes[0]);
  CHECK(LinesWith(log, "method=/instance.v1.DbServerService/CreateDbServer").size() == 1);
  CHECK(LinesWith(log, "authorization denied").size() == 2);
  CHECK_FALSE(absl::StrContains(log, "PRIVATE KEY"));
  CHECK_FALSE(absl::StrContains(log, "BEGIN CERTIFICATE"));
  // database-service's own calls were never denied.
  CHECK(LinesWith(log, "principal=spiffe://dbs.internal/database-service").empty());
}

TEST_CASE(
    "Health stays open per the policy, also on the plaintext health listener, which denies "
    "the API") {
  SecureInstanceService server;
  auto readonly_channel =
      grpc::CreateChannel(server.address(), DevCertificates::Get().Credentials("readonly"));
  CHECK(dbs::testing::HealthStatus(readonly_channel, "") == "SERVING");

  auto plaintext = grpc::CreateChannel(server.health_address(), grpc::InsecureChannelCredentials());
  CHECK(dbs::testing::HealthStatus(plaintext, "") == "SERVING");
  CHECK(dbs::testing::HealthStatus(plaintext, "instance.v1.DbServerService") == "SERVING");

  auto stub = DbServerService::NewStub(plaintext);
  instance::v1::ListDbServersRequest request;
  instance::v1::ListDbServersResponse response;
  const grpc::Status status = stub->ListDbServers(ContextWithDeadline().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  const auto lines =
      LinesWith(server.WarningLog(), "method=/instance.v1.DbServerService/ListDbServers");
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("principal=(no client certificate)"));
}

TEST_CASE("An edited policy file applies to the running server without a restart") {
  SecureInstanceService server;
  auto readonly = server.StubAs("readonly");
  const pid_t pid = server.process().process().pid();
  REQUIRE(CreateAs(*readonly, "pg-edit-0").error_code() == grpc::StatusCode::PERMISSION_DENIED);

  // Grant the read-only identity CreateDbServer too.
  const std::string example = dbs::testing::ExamplePolicy();
  const std::string granted =
      absl::StrReplaceAll(example, {{R"("/instance.v1.DbServerService/FindAvailableDbServer")",
                                     R"("/instance.v1.DbServerService/FindAvailableDbServer",
          "/instance.v1.DbServerService/CreateDbServer")"}});
  REQUIRE(granted != example);
  server.WritePolicy(granted);
  const absl::Time edited = absl::Now();
  int attempt = 0;
  const bool allowed =
      WaitFor([&] { return CreateAs(*readonly, absl::StrCat("pg-edit-", ++attempt)).ok(); },
              absl::Seconds(15));
  REQUIRE(allowed);
  WARN("grant applied " << absl::FormatDuration(absl::Now() - edited) << " after the edit");
  CHECK(server.CountPools() == 1);

  // And back: denied again, still the same process.
  server.WritePolicy(example);
  const bool denied_again = WaitFor(
      [&] {
        return CreateAs(*readonly, "pg-edit-late").error_code() ==
               grpc::StatusCode::PERMISSION_DENIED;
      },
      absl::Seconds(15));
  CHECK(denied_again);
  CHECK(server.process().process().Running());
  CHECK(server.process().process().pid() == pid);
  // Whatever the timing, at most one of the late attempts got in.
  CHECK(server.CountPools() <= 2);
}

}  // namespace

TEST_CASE("The call log names the caller by its certificate's principal") {
  SecureInstanceService server;
  auto readonly = server.StubAs("readonly");
  instance::v1::GetDbServerRequest request;
  request.set_id(dbs::testing::NewRequestId());  // a UUID no pool has
  instance::v1::GetDbServerResponse response;
  REQUIRE(readonly->GetDbServer(ContextWithDeadline().get(), request, &response).error_code() ==
          grpc::StatusCode::NOT_FOUND);
  // --call_log=errors (the default) logs the failed call.
  const auto lines = LinesWith(server.InfoLog(), "call /instance.v1.DbServerService/GetDbServer");
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("peer=spiffe://dbs.internal/readonly/oncall"));
  CHECK_THAT(lines[0], Catch::Contains("code=NOT_FOUND reason=DB_SERVER_NOT_FOUND"));
  CHECK_THAT(lines[0], Catch::Contains(" x-request-id="));
}
