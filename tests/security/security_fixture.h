#ifndef TESTS_SECURITY_SECURITY_FIXTURE_H_
#define TESTS_SECURITY_SECURITY_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_postgres.h"

namespace dbs::testing {

// Throwaway certificates from deploy/local/make-dev-certs, made once per test
// process into a folder of its own, removed when the process ends.
class DevCertificates {
 public:
  static const DevCertificates& Get();
  // A file of the set, e.g. Path("readonly.key").
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Read(const std::string& name) const;

  // TLS credentials trusting the dev CA and presenting `identity`'s certificate
  // ("database-service", "readonly", "intruder"), or none when empty.
  std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& identity) const;

 private:
  explicit DevCertificates(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// The real instance-service binary over mTLS (client certificates required) with a
// copy of deploy/authz/instance-service-policy.json, re-read every second, a
// plaintext health listener, and its glog files in a folder of its own. Serves a
// fresh scratch database of the `postgres` fixture.
class SecureInstanceService {
 public:
  SecureInstanceService();
  ~SecureInstanceService();

  const std::string& address() const { return process_->address(); }
  const std::string& health_address() const { return health_address_; }
  const std::string& policy_file() const { return policy_file_; }
  const std::string& database_url() const { return database_.connection_string(); }
  ServiceProcess& process() { return *process_; }

  // A stub over mTLS as `identity` (see DevCertificates::Credentials).
  std::unique_ptr<::instance::v1::DbServerService::Stub> StubAs(const std::string& identity) const;

  // Replaces the policy file the way a ConfigMap update does: a new file renamed
  // over the old one, so the server never reads half a policy.
  void WritePolicy(const std::string& json) const;

  // The server's WARNING-and-above log so far.
  std::string WarningLog() const;
  // The server's whole log so far (INFO and above).
  std::string InfoLog() const;

  // Rows in db_servers.
  int CountPools() const;

 private:
  ScratchDatabase database_;
  std::string dir_;
  std::string policy_file_;
  std::string health_address_;
  std::unique_ptr<ServiceProcess> process_;
};

// The contents of deploy/authz/instance-service-policy.json.
std::string ExamplePolicy();

}  // namespace dbs::testing

#endif  // TESTS_SECURITY_SECURITY_FIXTURE_H_
