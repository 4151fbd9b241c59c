#include "tests/support/instance_service_under_test.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"

namespace dbs::testing {

InstanceServiceUnderTest::InstanceServiceUnderTest(const std::vector<std::string>& extra_args) {
  ServiceProcess::Options options;
  options.binary = DBS_INSTANCE_SERVICE_BINARY;
  options.args = {absl::StrCat("--database_url=", database_.connection_string())};
  options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
  options.ready_service = "instance.v1.DbServerService";
  auto process = ServiceProcess::Start(options);
  if (!process.ok()) FAIL("instance-service did not start: " << process.status());
  process_ = std::make_unique<ServiceProcess>(*std::move(process));
  stub_ = ::instance::v1::DbServerService::NewStub(process_->channel());
}

std::unique_ptr<grpc::ClientContext> ContextWithDeadline(int seconds) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

}  // namespace dbs::testing
