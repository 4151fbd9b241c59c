#include "tests/support/service_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/free_port.h"

namespace dbs::testing {

std::string HealthStatus(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok())
    return absl::StrCat("error ", status.error_code(), ": ", status.error_message());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

namespace {

// Whether something accepts TCP connections on 127.0.0.1:`port`. Polling the raw
// port first keeps gRPC's reconnect backoff (1 s and growing) out of start-up.
bool Accepting(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

}  // namespace

ServiceProcess::ServiceProcess(ChildProcess process, std::string address,
                               std::shared_ptr<grpc::ChannelCredentials> credentials)
    : process_(std::move(process)),
      address_(std::move(address)),
      channel_(grpc::CreateChannel(
          address_, credentials ? credentials : grpc::InsecureChannelCredentials())) {}

absl::StatusOr<ServiceProcess> ServiceProcess::Start(Options options) {
  const int port = PickFreeLoopbackPort();
  const std::string address = absl::StrCat("127.0.0.1:", port);
  // Metrics on a free port too: the default (9464/9465) would clash between tests
  // running in parallel. A later --metrics_listen in options.args wins.
  std::vector<std::string> argv = {options.binary, absl::StrCat("--listen=", address),
                                   "--metrics_listen=127.0.0.1:0"};
  argv.insert(argv.end(), options.args.begin(), options.args.end());
  auto child = ChildProcess::Start(argv, options.env, options.log_file);
  if (!child.ok()) return child.status();
  ServiceProcess service(*std::move(child), address, options.credentials);

  const absl::Time deadline = absl::Now() + options.ready_timeout;
  std::string last;
  while (absl::Now() < deadline) {
    if (!service.process_.Running()) {
      return absl::InternalError(
          absl::StrCat(options.binary, " exited during start-up with code ",
                       service.process_.Stop(absl::ZeroDuration()).value_or(-1)));
    }
    if (!Accepting(port)) {
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    last = HealthStatus(service.channel_, options.ready_service);
    if (last == "SERVING") return service;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(options.binary, " not SERVING after ",
                                                  absl::FormatDuration(options.ready_timeout),
                                                  "; last health answer: ", last));
}

}  // namespace dbs::testing
