#ifndef TESTS_INSTANCE_SERVICE_API_POOL_BUILDERS_H_
#define TESTS_INSTANCE_SERVICE_API_POOL_BUILDERS_H_

#include <string>

#include "instance/v1/db_servers.grpc.pb.h"

namespace dbs::testing {

// A valid CreateDbServer payload named `name`.
::instance::v1::DbServer NewPool(const std::string& name,
                                 const std::string& server_type = "postgres",
                                 int max_instances = 10);

// Creates a pool through the API; fails the test on error.
::instance::v1::DbServer CreatePool(::instance::v1::DbServerService::Stub& stub,
                                    const std::string& name,
                                    const std::string& server_type = "postgres",
                                    int max_instances = 10);

// Sets state and health through UpdateDbServer; fails the test on error.
::instance::v1::DbServer SetStateAndHealth(::instance::v1::DbServerService::Stub& stub,
                                           const std::string& id,
                                           ::instance::v1::DbServer::State state,
                                           ::instance::v1::DbServer::Health health);

// CreatePool, then ACTIVE + HEALTHY: a pool that takes slots.
::instance::v1::DbServer CreateActivePool(::instance::v1::DbServerService::Stub& stub,
                                          const std::string& name,
                                          const std::string& server_type = "postgres",
                                          int max_instances = 10);

// A fresh random UUID4 in canonical form.
std::string NewRequestId();

}  // namespace dbs::testing

#endif  // TESTS_INSTANCE_SERVICE_API_POOL_BUILDERS_H_
