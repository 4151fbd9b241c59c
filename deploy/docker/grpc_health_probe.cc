// grpc-health-probe: the container HEALTHCHECK. Asks a gRPC server's standard health
// service (grpc.health.v1.Health/Check) about one service and exits 0 only for SERVING.
//
//   grpc-health-probe [--service=NAME] [--timeout_ms=N] ADDRESS
//
// ADDRESS is host:port (plaintext). NAME defaults to "" (the whole server: liveness);
// pass the service's full name for readiness. Exit codes: 0 SERVING, 1 any other
// answer or RPC error (printed to stderr), 2 usage. Debian ships no grpc_health_probe,
// so this is built from the same gRPC packages as the services and lives beside them
// in the image. Kubernetes does not need it: its probes speak gRPC natively.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include <grpcpp/grpcpp.h>

#include "grpc/health/v1/health.grpc.pb.h"

namespace {

int Usage() {
  std::cerr << "usage: grpc-health-probe [--service=NAME] [--timeout_ms=N] HOST:PORT\n";
  return 2;
}

bool ConsumePrefix(const std::string& arg, const std::string& prefix, std::string* value) {
  if (arg.rfind(prefix, 0) != 0) return false;
  *value = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string service;
  std::string address;
  long timeout_ms = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    if (ConsumePrefix(arg, "--service=", &value)) {
      service = value;
    } else if (ConsumePrefix(arg, "--timeout_ms=", &value)) {
      char* end = nullptr;
      timeout_ms = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || timeout_ms <= 0) return Usage();
    } else if (!arg.empty() && arg[0] != '-' && address.empty()) {
      address = arg;
    } else {
      return Usage();
    }
  }
  if (address.empty()) return Usage();

  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cerr << "grpc-health-probe: " << address << " service \"" << service
              << "\": RPC failed: code " << status.error_code() << ": " << status.error_message()
              << "\n";
    return 1;
  }
  const auto serving = grpc::health::v1::HealthCheckResponse::SERVING;
  if (response.status() != serving) {
    std::cerr << "grpc-health-probe: " << address << " service \"" << service << "\": "
              << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
              << "\n";
    return 1;
  }
  return 0;
}
