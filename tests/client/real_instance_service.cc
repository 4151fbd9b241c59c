#include "tests/client/real_instance_service.h"

#include <catch2/catch.hpp>

namespace dbs::client {

RealInstanceService::RealInstanceService() {
  dbs::testing::ServiceProcess::Options options;
  options.binary = DBS_INSTANCE_SERVICE_BINARY;
  options.args = {"--database_url=" + database_.connection_string(), "--drain_seconds=2"};
  options.ready_service = "instance.v1.DbServerService";
  auto started = dbs::testing::ServiceProcess::Start(std::move(options));
  if (!started.ok()) FAIL("instance-service did not start: " << started.status());
  service_.emplace(*std::move(started));
}

RealInstanceService::~RealInstanceService() {
  if (service_.has_value()) (void)service_->Terminate();
}

ClientOptions RealInstanceService::Options() const {
  ClientOptions options;
  options.target = service_->address();
  options.default_timeout = absl::Seconds(5);
  return options;
}

}  // namespace dbs::client
