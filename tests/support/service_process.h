#ifndef TESTS_SUPPORT_SERVICE_PROCESS_H_
#define TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/child_process.h"

namespace dbs::testing {

// One of this repository's server binaries, started for real on a free loopback
// port and waited for until its health check answers SERVING.
class ServiceProcess {
 public:
  struct Options {
    std::string binary;             // path, e.g. DBS_INSTANCE_SERVICE_BINARY
    std::vector<std::string> args;  // extra flags; --listen and --metrics_listen are added
    std::vector<std::string> env;   // extra "NAME=value" entries
    std::string ready_service;      // health service name to wait for ("" = process)
    absl::Duration ready_timeout = absl::Seconds(20);
    // How channel() and the readiness check connect; null: plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    // When set, the process's stdout and stderr (its log) go to this file.
    std::string log_file;
  };

  // Starts the binary and waits for readiness. On timeout the child is killed and
  // DEADLINE_EXCEEDED returned; if it exits early, its exit code is reported.
  static absl::StatusOr<ServiceProcess> Start(Options options);

  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  ChildProcess& process() { return process_; }

  // SIGTERM and wait: the exit code, or an error when it hung.
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(30)) {
    return process_.Stop(timeout);
  }

 private:
  ServiceProcess(ChildProcess process, std::string address,
                 std::shared_ptr<grpc::ChannelCredentials> credentials);

  ChildProcess process_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

// Asks `channel`'s grpc.health.v1.Health/Check about `service`; "SERVING",
// "NOT_SERVING", or the RPC error text.
std::string HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_SERVICE_PROCESS_H_
