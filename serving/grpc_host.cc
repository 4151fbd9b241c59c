#include "serving/grpc_host.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "serving/keepalive_policy.h"
#include "serving/reflection_v1.h"

namespace dbs::serving {
namespace {

// Reflection answers from the generated descriptor pool, which holds a file only
// if its object code was linked. Nothing calls the health messages or the error
// detail types by name in a server, so a static link would drop them and grpcurl
// could neither describe grpc.health.v1.Health nor decode error details. Touching
// each descriptor keeps them linked.
void LinkReflectableDescriptors() {
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  (void)google::rpc::Status::descriptor();
  (void)google::rpc::ErrorInfo::descriptor();
  (void)google::rpc::BadRequest::descriptor();
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcHost>> GrpcHost::Start(
    GrpcHostOptions options, const std::vector<HostedService>& services) {
  LinkReflectableDescriptors();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  InitReflectionV1ServerBuilderPlugin();

  grpc::ServerBuilder builder;
  auto credentials = options.credentials ? options.credentials : grpc::InsecureServerCredentials();
  int port = 0;
  builder.AddListeningPort(options.listen_address, credentials, &port);
  if (!options.plaintext_health_listen_address.empty()) {
    builder.AddListeningPort(options.plaintext_health_listen_address,
                             grpc::InsecureServerCredentials());
  }
  if (options.authorization) {
    builder.experimental().SetAuthorizationPolicyProvider(options.authorization);
  }

  // No thread quota: the services run on the callback API and bound their work
  // with their own executor (a full gRPC thread quota would answer with a
  // reason-less RESOURCE_EXHAUSTED, which here means "no capacity"). Only
  // reflection still uses gRPC's sync server, whose pollers wake this often to
  // notice shutdown; the default (seconds) would add that much to every SIGTERM.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 100);

  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  // gRPC sets SO_REUSEPORT by default, which would let a second replica silently
  // share a port that is already taken. A taken port must fail start-up instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);

  for (const HostedService& hosted : services) builder.RegisterService(hosted.service);
  if (!options.interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(std::move(options.interceptors));
  }

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address, ": address invalid or in use"));
  }
  for (const HostedService& hosted : services) {
    server->GetHealthCheckService()->SetServingStatus(hosted.name, true);
  }
  LOG(INFO) << "serving gRPC on " << options.listen_address << " (port " << port << ")";
  return std::unique_ptr<GrpcHost>(new GrpcHost(std::move(server), port, options.drain_grace));
}

GrpcHost::GrpcHost(std::unique_ptr<grpc::Server> server, int port, absl::Duration drain_grace)
    : server_(std::move(server)), port_(port), drain_grace_(drain_grace) {}

GrpcHost::~GrpcHost() { Shutdown(); }

void GrpcHost::SetServing(const std::string& service, bool serving) {
  server_->GetHealthCheckService()->SetServingStatus(service, serving);
}

void GrpcHost::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Health first: it makes every status NOT_SERVING and freezes it there.
  server_->GetHealthCheckService()->Shutdown();
  LOG(INFO) << "draining: in-flight calls get up to " << drain_grace_;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + drain_grace_));
  server_->Wait();
  LOG(INFO) << "server stopped";
}

}  // namespace dbs::serving
