#include "tests/support/client_pools.h"

#include <catch2/catch.hpp>

#include "google/protobuf/field_mask.pb.h"

namespace dbs::testing {

namespace v1 = ::instance::v1;

v1::DbServer CreateActivePool(const client::InstanceServiceClient& client, const std::string& name,
                              int max_instances, const std::string& server_type) {
  v1::DbServer pool;
  pool.set_display_name(name);
  pool.set_host("10.0.0.1");
  pool.set_port(5432);
  pool.set_server_type(server_type);
  pool.set_max_instances(max_instances);
  auto created = client.CreateDbServer(pool);
  INFO(created.status());
  REQUIRE(created.ok());
  v1::DbServer change;
  change.set_id(created->id());
  change.set_state(v1::DbServer::STATE_ACTIVE);
  change.set_health(v1::DbServer::HEALTH_HEALTHY);
  google::protobuf::FieldMask mask;
  mask.add_paths("state");
  mask.add_paths("health");
  auto active = client.UpdateDbServer(change, mask);
  INFO(active.status());
  REQUIRE(active.ok());
  return *active;
}

}  // namespace dbs::testing
