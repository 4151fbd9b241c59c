#ifndef TESTS_SUPPORT_INSTANCE_SERVICE_UNDER_TEST_H_
#define TESTS_SUPPORT_INSTANCE_SERVICE_UNDER_TEST_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/client_context.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_postgres.h"

namespace dbs::testing {

// The real instance-service binary, serving a fresh scratch database of the
// fixture's PostgreSQL (it migrates the schema at start-up). Fails the test when
// it does not become ready. Requires the `postgres` CTest fixture.
class InstanceServiceUnderTest {
 public:
  explicit InstanceServiceUnderTest(const std::vector<std::string>& extra_args = {});

  // Connection string of the instance database (superuser), for asserting rows.
  const std::string& database_url() const { return database_.connection_string(); }
  const std::string& address() const { return process_->address(); }
  std::shared_ptr<grpc::Channel> channel() const { return process_->channel(); }
  ::instance::v1::DbServerService::Stub& stub() { return *stub_; }
  ServiceProcess& process() { return *process_; }

 private:
  ScratchDatabase database_;
  std::unique_ptr<ServiceProcess> process_;
  std::unique_ptr<::instance::v1::DbServerService::Stub> stub_;
};

// A ClientContext with a deadline `seconds` from now.
std::unique_ptr<grpc::ClientContext> ContextWithDeadline(int seconds = 10);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_INSTANCE_SERVICE_UNDER_TEST_H_
