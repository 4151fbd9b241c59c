// Both services over mTLS, on real processes: instance-service requiring client
// certificates under deploy/authz's example policy, and database-service calling
// it with a client certificate, serving its own API over mTLS as well. The
// fixture's PostgreSQL is both the instance database and the pool server.
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "database/v1/database_service.grpc.pb.h"
#include "tests/instance_service/api/pool_builders.h"
#include "tests/security/security_fixture.h"
#include "tests/support/free_port.h"
#include "tests/support/instance_service_under_test.h"
#include "tests/support/service_process.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::testing::ContextWithDeadline;
using dbs::testing::DevCertificates;
using dbs::testing::SecureInstanceService;

// database-service presenting `identity`'s certificate to instance-service.
std::unique_ptr<dbs::testing::ServiceProcess> StartDatabaseService(
    const SecureInstanceService& instance_service, const std::string& identity) {
  const DevCertificates& certs = DevCertificates::Get();
  dbs::testing::ServiceProcess::Options options;
  options.binary = DBS_DATABASE_SERVICE_BINARY;
  options.args = {absl::StrCat("--instance_service_target=", instance_service.address()),
                  absl::StrCat("--instance_service_tls_ca_file=", certs.Path("ca.crt")),
                  absl::StrCat("--instance_service_tls_cert_file=", certs.Path(identity + ".crt")),
                  absl::StrCat("--instance_service_tls_key_file=", certs.Path(identity + ".key")),
                  absl::StrCat("--tls_cert_file=", certs.Path("database-service.crt")),
                  absl::StrCat("--tls_key_file=", certs.Path("database-service.key")),
                  absl::StrCat("--tls_client_ca_file=", certs.Path("ca.crt")),
                  absl::StrCat("--authz_policy_file=", DBS_DATABASE_SERVICE_POLICY),
                  absl::StrCat("--health_listen=127.0.0.1:", dbs::testing::PickFreeLoopbackPort()),
                  "--monitoring_interval_ms=0",
                  "--drain_seconds=2"};
  // Ready only while its own ListDbServers to instance-service succeeds: over mTLS,
  // allowed by the policy for both identities used here.
  options.ready_service = "database.v1.DatabaseService";
  options.credentials = certs.Credentials("readonly");
  auto process = dbs::testing::ServiceProcess::Start(options);
  if (!process.ok()) FAIL("database-service did not start: " << process.status());
  return std::make_unique<dbs::testing::ServiceProcess>(*std::move(process));
}

grpc::Status Provision(dbs::testing::ServiceProcess& database_service, const std::string& name,
                       database::v1::ProvisionPoolResponse* response) {
  auto stub = database::v1::DatabaseService::NewStub(database_service.channel());
  database::v1::ProvisionPoolRequest request;
  request.set_display_name(name);
  request.set_host("127.0.0.1");
  request.set_port(
      std::stoi(dbs::testing::QueryScalar(dbs::testing::AdminConnectionString(), "SHOW port")));
  request.set_max_instances(10);
  request.set_request_id(dbs::testing::NewRequestId());
  return stub->ProvisionPool(ContextWithDeadline(30).get(), request, response);
}

TEST_CASE("database-service provisions a pool through instance-service over mTLS") {
  SecureInstanceService instance_service;
  auto database_service = StartDatabaseService(instance_service, "database-service");

  database::v1::ProvisionPoolResponse response;
  const grpc::Status status = Provision(*database_service, "pg-secure-1", &response);
  INFO(status.error_code() << " " << status.error_message());
  REQUIRE(status.ok());
  CHECK(response.pool().state() == instance::v1::DbServer::STATE_ACTIVE);
  CHECK(instance_service.CountPools() == 1);
  CHECK_THAT(instance_service.WarningLog(), !Catch::Contains("authorization denied"));
}

TEST_CASE(
    "database-service holding only the read-only identity cannot write: instance-service "
    "denies it, and nothing is written") {
  SecureInstanceService instance_service;
  auto database_service = StartDatabaseService(instance_service, "readonly");

  database::v1::ProvisionPoolResponse response;
  const grpc::Status status = Provision(*database_service, "pg-secure-2", &response);
  INFO(status.error_code() << " " << status.error_message());
  CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK(instance_service.CountPools() == 0);
  CHECK_THAT(instance_service.WarningLog(),
             Catch::Contains("authorization denied: method=/instance.v1.DbServerService/"
                             "CreateDbServer principal=spiffe://dbs.internal/readonly/oncall"));
}

}  // namespace
