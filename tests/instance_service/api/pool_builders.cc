#include "tests/instance_service/api/pool_builders.h"

#include <catch2/catch.hpp>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "tests/support/instance_service_under_test.h"

namespace dbs::testing {

namespace v1 = ::instance::v1;

v1::DbServer NewPool(const std::string& name, const std::string& server_type, int max_instances) {
  v1::DbServer pool;
  pool.set_display_name(name);
  pool.set_host("pool.example.internal");
  pool.set_port(5432);
  pool.set_server_type(server_type);
  pool.set_max_instances(max_instances);
  (*pool.mutable_labels())["region"] = "eu-west";
  return pool;
}

v1::DbServer CreatePool(v1::DbServerService::Stub& stub, const std::string& name,
                        const std::string& server_type, int max_instances) {
  v1::CreateDbServerRequest request;
  *request.mutable_db_server() = NewPool(name, server_type, max_instances);
  v1::CreateDbServerResponse response;
  const grpc::Status status = stub.CreateDbServer(ContextWithDeadline().get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.db_server();
}

v1::DbServer SetStateAndHealth(v1::DbServerService::Stub& stub, const std::string& id,
                               v1::DbServer::State state, v1::DbServer::Health health) {
  v1::UpdateDbServerRequest request;
  request.mutable_db_server()->set_id(id);
  request.mutable_db_server()->set_state(state);
  request.mutable_db_server()->set_health(health);
  request.mutable_update_mask()->add_paths("state");
  request.mutable_update_mask()->add_paths("health");
  v1::UpdateDbServerResponse response;
  const grpc::Status status = stub.UpdateDbServer(ContextWithDeadline().get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.db_server();
}

v1::DbServer CreateActivePool(v1::DbServerService::Stub& stub, const std::string& name,
                              const std::string& server_type, int max_instances) {
  const v1::DbServer pool = CreatePool(stub, name, server_type, max_instances);
  return SetStateAndHealth(stub, pool.id(), v1::DbServer::STATE_ACTIVE,
                           v1::DbServer::HEALTH_HEALTHY);
}

std::string NewRequestId() {
  absl::BitGen random;
  const uint64_t high = absl::Uniform<uint64_t>(random);
  const uint64_t low = absl::Uniform<uint64_t>(random);
  // Version 4, variant 10xx.
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0x0fff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffffULL);
}

}  // namespace dbs::testing
