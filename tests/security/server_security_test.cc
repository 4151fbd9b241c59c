// Start-up checks of the transport security settings: each mistake fails with a
// message naming the flag and the rule, before anything listens.
#include "serving/server_security.h"

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/security/security_fixture.h"

namespace {

using dbs::serving::MakeServerSecurity;
using dbs::serving::ServerSecurityOptions;
using dbs::testing::DevCertificates;

ServerSecurityOptions MutualTls() {
  const DevCertificates& certs = DevCertificates::Get();
  ServerSecurityOptions options;
  options.certificate_file = certs.Path("instance-service.crt");
  options.private_key_file = certs.Path("instance-service.key");
  options.client_ca_file = certs.Path("ca.crt");
  return options;
}

std::string ErrorOf(const ServerSecurityOptions& options) {
  auto security = MakeServerSecurity(options);
  REQUIRE_FALSE(security.ok());
  CHECK(security.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(security.status().message());
}

TEST_CASE("Nothing configured is plaintext with every call allowed") {
  auto security = MakeServerSecurity({});
  REQUIRE(security.ok());
  CHECK(security->authorization == nullptr);
  CHECK(security->summary == "plaintext, no authorization policy (every call allowed)");
}

TEST_CASE("mTLS with a policy builds credentials and gRPC's policy provider") {
  ServerSecurityOptions options = MutualTls();
  options.authorization_policy_file = DBS_EXAMPLE_POLICY;
  auto security = MakeServerSecurity(options);
  INFO(security.status());
  REQUIRE(security.ok());
  CHECK(security->credentials != nullptr);
  CHECK(security->authorization != nullptr);
  CHECK_THAT(security->summary, Catch::StartsWith("mTLS (client certificate required), "
                                                  "authorization policy "));
}

TEST_CASE("Each settings mistake names the flag and the rule") {
  SECTION("a certificate without its key") {
    ServerSecurityOptions options = MutualTls();
    options.private_key_file.clear();
    CHECK_THAT(ErrorOf(options), Catch::Contains("--tls_cert_file and --tls_key_file go together"));
  }
  SECTION("required client certificates without a CA to verify them") {
    ServerSecurityOptions options = MutualTls();
    options.client_ca_file.clear();
    CHECK_THAT(ErrorOf(options),
               Catch::Contains("--tls_require_client_cert needs --tls_client_ca_file"));
  }
  SECTION("a client CA without TLS") {
    ServerSecurityOptions options;
    options.client_ca_file = DevCertificates::Get().Path("ca.crt");
    CHECK_THAT(ErrorOf(options), Catch::Contains("--tls_client_ca_file needs --tls_cert_file"));
  }
  SECTION("a plaintext health listener without a policy") {
    ServerSecurityOptions options = MutualTls();
    options.health_listen_address = "127.0.0.1:0";
    CHECK_THAT(ErrorOf(options), Catch::Contains("--health_listen needs --authz_policy_file"));
  }
  SECTION("a certificate file that does not exist") {
    ServerSecurityOptions options = MutualTls();
    options.certificate_file = "/nonexistent/tls.crt";
    CHECK_THAT(ErrorOf(options),
               Catch::Contains("--tls_cert_file /nonexistent/tls.crt: cannot read"));
  }
  SECTION("a key file holding a certificate") {
    ServerSecurityOptions options = MutualTls();
    options.private_key_file = options.certificate_file;
    CHECK_THAT(ErrorOf(options),
               Catch::Contains("--tls_key_file") && Catch::Contains("no PEM private key"));
  }
  SECTION("a policy that is not a gRPC authorization policy") {
    const std::string path = DevCertificates::Get().Path("bad-policy.json");
    std::ofstream(path) << R"({"name": "x", "allow_rules": [{"name": "r", "source": 7}]})";
    ServerSecurityOptions options = MutualTls();
    options.authorization_policy_file = path;
    const std::string error = ErrorOf(options);
    CHECK_THAT(error, Catch::StartsWith("--authz_policy_file: authorization policy " + path));
    CHECK_THAT(error, Catch::Contains("source"));
  }
}

}  // namespace
