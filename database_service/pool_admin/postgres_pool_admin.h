#ifndef DATABASE_SERVICE_POOL_ADMIN_POSTGRES_POOL_ADMIN_H_
#define DATABASE_SERVICE_POOL_ADMIN_POSTGRES_POOL_ADMIN_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "database_service/pool_admin/pool_admin.h"
#include "database_service/pool_admin/pool_endpoint.h"
#include "pq/pg_connection.h"

namespace dbs::database_service {

struct PostgresPoolAdminOptions {
  PoolCredentials credentials;
  // Bounds connecting to a pool server, for every operation.
  absl::Duration connect_timeout = absl::Seconds(3);
  // Bounds the whole of Probe(): connect plus `SELECT 1`.
  absl::Duration probe_timeout = absl::Seconds(2);
  // Bounds CREATE/DROP DATABASE (which copies or removes files on the server).
  absl::Duration ddl_timeout = absl::Seconds(60);
  // Lowest server_version_num Inspect() accepts.
  int min_server_version_num = 130000;
};

// PoolAdmin on real PostgreSQL pool servers through the libpq layer both services
// share (pq/: its non-blocking connect, deadlines, SQLSTATE table), one
// short-lived connection per call, application_name "database-service".
// Errors: pq's codes (pq/sqlstate.h), passed through; a refused login is
// PERMISSION_DENIED. Thread-safe.
class PostgresPoolAdmin : public PoolAdmin {
 public:
  explicit PostgresPoolAdmin(PostgresPoolAdminOptions options) : options_(std::move(options)) {}

  absl::StatusOr<PoolServerInfo> Inspect(const PoolEndpoint& endpoint,
                                         absl::Time deadline) override;
  absl::StatusOr<absl::Duration> Probe(const PoolEndpoint& endpoint, absl::Time deadline) override;
  absl::StatusOr<TenantDatabase> CreateTenantDatabase(const PoolEndpoint& endpoint,
                                                      const std::string& name,
                                                      absl::Time deadline) override;
  absl::StatusOr<DroppedTenant> DropTenantDatabase(const PoolEndpoint& endpoint,
                                                   const std::string& name,
                                                   absl::Time deadline) override;
  absl::Status DropTenantRole(const PoolEndpoint& endpoint, const std::string& name,
                              absl::Time deadline) override;
  absl::StatusOr<std::unique_ptr<TenantLease>> LeaseTenants(const PoolEndpoint& endpoint,
                                                            absl::Duration wait) override;

 private:
  // Connects to the pool server's `postgres` database as the admin role.
  absl::StatusOr<std::unique_ptr<pq::PgConnection>> Open(const PoolEndpoint& endpoint,
                                                         absl::Time deadline) const;
  // Validates tenant `name` (INVALID_ARGUMENT), connects, and takes the shared
  // side of the tenant lock (TenantLease), waiting at most `ddl_timeout` (and
  // `deadline`).
  absl::StatusOr<std::unique_ptr<pq::PgConnection>> OpenForTenant(const PoolEndpoint& endpoint,
                                                                  const std::string& name,
                                                                  absl::Time deadline) const;

  const PostgresPoolAdminOptions options_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_POOL_ADMIN_POSTGRES_POOL_ADMIN_H_
