#ifndef DATABASE_SERVICE_POOL_ADMIN_POSTGRES_POOL_ADMIN_H_
#define DATABASE_SERVICE_POOL_ADMIN_POSTGRES_POOL_ADMIN_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "database_service/pool_admin/pool_admin.h"
#include "database_service/pool_admin/pool_connection.h"

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

// PoolAdmin on real PostgreSQL pool servers through libpq, one short-lived
// connection per call. Thread-safe.
class PostgresPoolAdmin : public PoolAdmin {
 public:
  explicit PostgresPoolAdmin(PostgresPoolAdminOptions options) : options_(std::move(options)) {}

  absl::StatusOr<PoolServerInfo> Inspect(const PoolEndpoint& endpoint) override;
  absl::StatusOr<absl::Duration> Probe(const PoolEndpoint& endpoint) override;
  absl::StatusOr<TenantDatabase> CreateTenantDatabase(const PoolEndpoint& endpoint,
                                                      const std::string& name) override;
  absl::StatusOr<DroppedTenant> DropTenantDatabase(const PoolEndpoint& endpoint,
                                                   const std::string& name) override;
  absl::Status DropTenantRole(const PoolEndpoint& endpoint, const std::string& name) override;
  absl::StatusOr<std::unique_ptr<TenantLease>> LeaseTenants(const PoolEndpoint& endpoint,
                                                            absl::Duration wait) override;

 private:
  // Validates tenant `name` (INVALID_ARGUMENT), connects, and takes the shared
  // side of the tenant lock (TenantLease), waiting at most `ddl_timeout`.
  absl::StatusOr<PoolConnection> OpenForTenant(const PoolEndpoint& endpoint,
                                               const std::string& name) const;

  const PostgresPoolAdminOptions options_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_POOL_ADMIN_POSTGRES_POOL_ADMIN_H_
