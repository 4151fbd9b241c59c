#ifndef TESTS_SUPPORT_CLIENT_POOLS_H_
#define TESTS_SUPPORT_CLIENT_POOLS_H_

#include <string>

#include "client/instance_service_client.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::testing {

// A pool that takes slots: created through `client` (host 10.0.0.1:5432), then
// made ACTIVE + HEALTHY, as it is returned by that update. Fails the running test
// (REQUIRE) when either call does.
::instance::v1::DbServer CreateActivePool(const client::InstanceServiceClient& client,
                                          const std::string& name, int max_instances = 10,
                                          const std::string& server_type = "postgres");

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_CLIENT_POOLS_H_
