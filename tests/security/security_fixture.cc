#include "tests/security/security_fixture.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "tests/support/free_port.h"

namespace dbs::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Removes the certificate folder when the test process ends.
struct FolderRemover {
  std::string dir;
  ~FolderRemover() { (void)std::system(absl::StrCat("rm -rf '", dir, "'").c_str()); }
};

}  // namespace

const DevCertificates& DevCertificates::Get() {
  static const DevCertificates* certificates = [] {
    const std::string dir = absl::StrCat(DBS_SECURITY_TEST_DIR, "/certs-", getpid());
    const std::string command = absl::StrCat(DBS_MAKE_DEV_CERTS, " '", dir, "' >/dev/null");
    if (std::system(command.c_str()) != 0) FAIL("make-dev-certs failed: " << command);
    return new DevCertificates(dir);
  }();
  static const FolderRemover remover{certificates->dir_};
  return *certificates;
}

std::string DevCertificates::Read(const std::string& name) const {
  std::string text = ReadFile(Path(name));
  if (text.empty()) FAIL("empty or missing " << Path(name));
  return text;
}

std::shared_ptr<grpc::ChannelCredentials> DevCertificates::Credentials(
    const std::string& identity) const {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Read("ca.crt");
  if (!identity.empty()) {
    ssl.pem_cert_chain = Read(identity + ".crt");
    ssl.pem_private_key = Read(identity + ".key");
  }
  return grpc::SslCredentials(ssl);
}

std::string ExamplePolicy() { return ReadFile(DBS_EXAMPLE_POLICY); }

SecureInstanceService::SecureInstanceService() {
  const DevCertificates& certs = DevCertificates::Get();
  dir_ = absl::StrCat(DBS_SECURITY_TEST_DIR, "/instance-service-", getpid(), "-",
                      PickFreeLoopbackPort());
  REQUIRE(std::system(absl::StrCat("mkdir -p '", dir_, "/logs'").c_str()) == 0);
  policy_file_ = dir_ + "/policy.json";
  WritePolicy(ExamplePolicy());
  health_address_ = absl::StrCat("127.0.0.1:", PickFreeLoopbackPort());

  ServiceProcess::Options options;
  options.binary = DBS_INSTANCE_SERVICE_BINARY;
  options.args = {absl::StrCat("--database_url=", database_.connection_string()),
                  absl::StrCat("--tls_cert_file=", certs.Path("instance-service.crt")),
                  absl::StrCat("--tls_key_file=", certs.Path("instance-service.key")),
                  absl::StrCat("--tls_client_ca_file=", certs.Path("ca.crt")),
                  "--tls_require_client_cert=true",
                  absl::StrCat("--authz_policy_file=", policy_file_),
                  "--authz_refresh_seconds=1",
                  absl::StrCat("--health_listen=", health_address_)};
  // glog to files as well as stderr, unbuffered, so the test can read the log.
  options.env = {"GLOG_logtostderr=0", "GLOG_alsologtostderr=1", "GLOG_logbuflevel=-1",
                 absl::StrCat("GLOG_log_dir=", dir_, "/logs")};
  options.ready_service = "instance.v1.DbServerService";
  // Health is open to every verified caller; the read-only identity will do.
  options.credentials = certs.Credentials("readonly");
  auto process = ServiceProcess::Start(options);
  if (!process.ok()) FAIL("instance-service did not start: " << process.status());
  process_ = std::make_unique<ServiceProcess>(*std::move(process));
}

SecureInstanceService::~SecureInstanceService() {
  process_.reset();
  (void)std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
}

std::unique_ptr<::instance::v1::DbServerService::Stub> SecureInstanceService::StubAs(
    const std::string& identity) const {
  return ::instance::v1::DbServerService::NewStub(
      grpc::CreateChannel(address(), DevCertificates::Get().Credentials(identity)));
}

void SecureInstanceService::WritePolicy(const std::string& json) const {
  const std::string next = policy_file_ + ".next";
  {
    std::ofstream out(next);
    out << json;
    REQUIRE(out.good());
  }
  REQUIRE(std::rename(next.c_str(), policy_file_.c_str()) == 0);
}

std::string SecureInstanceService::WarningLog() const {
  // glog keeps a link named <program>.WARNING to the current file.
  return ReadFile(dir_ + "/logs/instance-service.WARNING");
}

std::string SecureInstanceService::InfoLog() const {
  return ReadFile(dir_ + "/logs/instance-service.INFO");
}

int SecureInstanceService::CountPools() const {
  return std::stoi(QueryScalar(database_.connection_string(), "SELECT count(*) FROM db_servers"));
}

}  // namespace dbs::testing
