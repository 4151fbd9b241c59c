#ifndef DATABASE_SERVICE_POOL_ADMIN_POOL_ENDPOINT_H_
#define DATABASE_SERVICE_POOL_ADMIN_POOL_ENDPOINT_H_

#include <string>

namespace dbs::database_service {

// Where a pool server listens: the `host` and `port` of its `DbServer` record.
struct PoolEndpoint {
  std::string host;
  int port = 5432;
};

// The admin login database-service uses on every pool server. It comes from
// database-service's own configuration (a file or the environment), never from
// the instance database. `password` is never logged; an empty one sends none
// (trust or peer authentication, .pgpass, or PGPASSWORD).
struct PoolCredentials {
  std::string user = "postgres";
  std::string password;
  // libpq `sslmode` towards pool servers, e.g. "prefer", "require", "verify-full".
  std::string sslmode = "prefer";
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_POOL_ADMIN_POOL_ENDPOINT_H_
