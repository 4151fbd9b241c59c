#ifndef TESTS_CLIENT_REAL_INSTANCE_SERVICE_H_
#define TESTS_CLIENT_REAL_INSTANCE_SERVICE_H_

#include <optional>
#include <string>

#include "client/client_options.h"
#include "client/instance_service_client.h"
#include "tests/support/service_process.h"
#include "tests/support/test_postgres.h"

namespace dbs::client {

// The real instance-service binary (DBS_INSTANCE_SERVICE_BINARY) serving a fresh
// scratch database of the `postgres` fixture; it migrates at start-up. Fails the
// current test when it does not become ready. Stopped (SIGTERM) and the database
// dropped when this object goes away.
class RealInstanceService {
 public:
  RealInstanceService();
  ~RealInstanceService();

  // host:port it listens on.
  const std::string& address() const { return service_->address(); }
  // Client options for it: plaintext, the test's short timeouts.
  ClientOptions Options() const;
  InstanceServiceClient Client() const { return MakeInstanceServiceClient(Options()); }
  const std::string& database_url() const { return database_.connection_string(); }

 private:
  dbs::testing::ScratchDatabase database_;
  std::optional<dbs::testing::ServiceProcess> service_;
};

}  // namespace dbs::client

#endif  // TESTS_CLIENT_REAL_INSTANCE_SERVICE_H_
