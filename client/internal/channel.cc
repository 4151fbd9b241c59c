#include "client/internal/channel.h"

#include "absl/strings/match.h"
#include "client/internal/tls_credentials.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "serving/keepalive_policy.h"

namespace dbs::client::internal {
namespace {

// Load balancing only: a retryPolicy here would add a second retry layer.
constexpr char kRoundRobinServiceConfig[] = R"({"loadBalancingConfig":[{"round_robin":{}}]})";
// gRPC's default maximum reconnect backoff is 120 s; a replica that restarts
// should get traffic again sooner than that.
constexpr int kMaxReconnectBackoffMs = 5'000;

}  // namespace

grpc::ChannelArguments ChannelArgumentsFor(const ClientOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  // Targets that can name several replicas: a headless Service's DNS name, or an
  // explicit address list ("ipv4:10.0.0.1:50051,10.0.0.2:50051").
  if (absl::StartsWith(options.target, "dns:") || absl::StartsWith(options.target, "ipv4:") ||
      absl::StartsWith(options.target, "ipv6:")) {
    args.SetServiceConfigJSON(kRoundRobinServiceConfig);
  }
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, serving::kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, serving::kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  if (!options.user_agent.empty()) args.SetUserAgentPrefix(options.user_agent);
  return args;
}

std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments args = ChannelArgumentsFor(options);
  if (options.tls.enabled) {
    credentials = TlsChannelCredentials(options.tls);
    if (!options.tls.server_name_override.empty()) {
      args.SetSslTargetNameOverride(options.tls.server_name_override);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(options.target, credentials, args);
}

}  // namespace dbs::client::internal
