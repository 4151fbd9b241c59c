#include "serving/grpc_host.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "tests/support/service_process.h"

using dbs::serving::GrpcHost;
using dbs::serving::GrpcHostOptions;
using dbs::testing::HealthStatus;

namespace {

constexpr const char* kService = "instance.v1.DbServerService";

std::shared_ptr<grpc::Channel> ChannelTo(const GrpcHost& host) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", host.port()),
                             grpc::InsecureChannelCredentials());
}

}  // namespace

TEST_CASE("a hosted service starts SERVING and follows SetServing") {
  instance::v1::DbServerService::Service service;
  auto host = GrpcHost::Start(GrpcHostOptions{}, {{&service, kService}});
  REQUIRE(host.ok());
  auto channel = ChannelTo(**host);
  CHECK(HealthStatus(channel, kService) == "SERVING");
  (*host)->SetServing(kService, false);
  CHECK(HealthStatus(channel, kService) == "NOT_SERVING");
  CHECK(HealthStatus(channel, "") == "SERVING");  // liveness is unaffected
}

TEST_CASE("binding an address already in use fails with UNAVAILABLE") {
  instance::v1::DbServerService::Service first_service, second_service;
  auto first = GrpcHost::Start(GrpcHostOptions{}, {{&first_service, kService}});
  REQUIRE(first.ok());
  GrpcHostOptions taken;
  taken.listen_address = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = GrpcHost::Start(std::move(taken), {{&second_service, kService}});
  CHECK(second.status().code() == absl::StatusCode::kUnavailable);
}
