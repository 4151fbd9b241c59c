#include "database_service/pool_admin/postgres_pool_admin.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pq/pg_connection.h"
#include "pq/pg_result.h"

namespace dbs::database_service {
namespace {

using pq::PgConnection;
using pq::PgStatement;

// Every statement database-service runs, all on pool servers, as named statements
// of the libpq layer (pq/). Values travel as $n parameters; DDL takes identifiers
// quoted by PQescapeIdentifier (PgConnection::QuoteIdentifier).
constexpr PgStatement kServerInfo = {
    "pool_server_info",
    "SELECT current_setting('server_version_num'), current_setting('server_version'), "
    "(SELECT rolsuper OR (rolcreatedb AND rolcreaterole) FROM pg_roles "
    " WHERE rolname = current_user)"};
constexpr PgStatement kProbe = {"pool_probe", "SELECT 1"};
constexpr PgStatement kRoleOid = {"pool_role_oid",
                                  "SELECT oid::text FROM pg_roles WHERE rolname = $1"};
constexpr PgStatement kDatabaseOwner = {
    "pool_database_owner",
    "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1"};

// The session-level advisory lock (in database `postgres`) that orders tenant
// changes, which take its shared side, against the reconciler's TenantLease,
// which takes it exclusively. Any fixed bigint: the bytes of "dbs-tent".
constexpr char kTenantLockKey[] = "7233470590573964916";
constexpr PgStatement kLockTenantsShared = {"pool_lock_tenants_shared",
                                            "SELECT pg_advisory_lock_shared($1::bigint)"};
constexpr PgStatement kLockTenants = {"pool_lock_tenants", "SELECT pg_advisory_lock($1::bigint)"};
constexpr PgStatement kTenantDatabases = {
    "pool_tenant_databases",
    "SELECT d.datname, d.oid::text FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
    "WHERE r.rolname = d.datname || '_owner'"};
constexpr PgStatement kOrphanOwnerRoles = {
    "pool_orphan_owner_roles",
    "SELECT r.rolname, r.oid::text FROM pg_roles r "
    "WHERE NOT r.rolcanlogin AND right(r.rolname, 6) = '_owner' AND left(r.rolname, 3) <> 'pg_' "
    "AND NOT EXISTS ("
    "  SELECT FROM pg_database d WHERE d.datdba = r.oid AND r.rolname = d.datname || '_owner')"};

absl::StatusOr<uint32_t> ParseOid(absl::string_view text) {
  uint32_t oid = 0;
  if (!absl::SimpleAtoi(text, &oid) || oid == 0) {
    return absl::InternalError(absl::StrCat("unexpected oid '", text, "'"));
  }
  return oid;
}

// The OID of `role`, or 0 when there is no such role (0 is never a valid OID).
absl::StatusOr<uint32_t> RoleOid(PgConnection& conn, const std::string& role, absl::Time deadline) {
  auto rows = conn.Run(kRoleOid, {role}, deadline);
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return 0u;
  return ParseOid(rows->Text(0, 0));
}

// The owner of database `name`, or "" when there is no such database.
absl::StatusOr<std::string> DatabaseOwner(PgConnection& conn, const std::string& name,
                                          absl::Time deadline) {
  auto rows = conn.Run(kDatabaseOwner, {name}, deadline);
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::string();
  return rows->String(0, 0);
}

// Drops OwnerRoleFor(name) if it exists; FAILED_PRECONDITION while it owns
// objects (2BP01 in pq's table).
absl::Status DropOwnerRole(PgConnection& conn, const std::string& name, absl::Time deadline) {
  auto quoted_role = conn.QuoteIdentifier(OwnerRoleFor(name));
  if (!quoted_role.ok()) return quoted_role.status();
  return conn.Execute(absl::StrCat("DROP ROLE IF EXISTS ", *quoted_role), deadline).status();
}

// The exclusive lease: one connection holding the advisory lock exclusively.
class PostgresTenantLease : public TenantLease {
 public:
  PostgresTenantLease(std::unique_ptr<PgConnection> conn, absl::Duration timeout)
      : conn_(std::move(conn)), timeout_(timeout) {}

  absl::StatusOr<TenantInventory> Inventory() override {
    const absl::Time deadline = absl::Now() + timeout_;
    TenantInventory inventory;
    auto databases = conn_->Run(kTenantDatabases, {}, deadline);
    if (!databases.ok()) return databases.status();
    for (int row = 0; row < databases->rows(); ++row) {
      const std::string name = databases->String(row, 0);
      if (!ValidateTenantDatabaseName(name).ok()) continue;  // not one of ours
      auto oid = ParseOid(databases->Text(row, 1));
      if (!oid.ok()) return oid.status();
      inventory.databases[name] = *oid;
    }
    auto roles = conn_->Run(kOrphanOwnerRoles, {}, deadline);
    if (!roles.ok()) return roles.status();
    for (int row = 0; row < roles->rows(); ++row) {
      const std::string role = roles->String(row, 0);
      const std::string name = role.substr(0, role.size() - OwnerRoleFor("").size());
      if (!ValidateTenantDatabaseName(name).ok()) continue;
      auto oid = ParseOid(roles->Text(row, 1));
      if (!oid.ok()) return oid.status();
      inventory.orphan_roles[name] = *oid;
    }
    return inventory;
  }

  absl::Status DropOrphanRole(const std::string& name) override {
    if (absl::Status valid = ValidateTenantDatabaseName(name); !valid.ok()) return valid;
    return DropOwnerRole(*conn_, name, absl::Now() + timeout_);
  }

 private:
  std::unique_ptr<PgConnection> conn_;
  const absl::Duration timeout_;
};

}  // namespace

std::string OwnerRoleFor(const std::string& name) { return absl::StrCat(name, "_owner"); }

absl::Status ValidateTenantDatabaseName(const std::string& name) {
  bool valid = !name.empty() && name.size() <= 57 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!valid) {
    return absl::InvalidArgumentError("database_name must match [a-z][a-z0-9_]{0,56}");
  }
  if (name == "postgres" || name == "template0" || name == "template1") {
    return absl::InvalidArgumentError(absl::StrCat("database_name '", name, "' is reserved"));
  }
  // PostgreSQL reserves role names starting with pg_ (its built-in roles, such
  // as pg_database_owner), so such a tenant could have no owner role.
  if (name.rfind("pg_", 0) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("database_name '", name, "' is reserved: names starting with pg_ are"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PgConnection>> PostgresPoolAdmin::Open(const PoolEndpoint& endpoint,
                                                                      absl::Time deadline) const {
  pq::PgConnectOptions connect;
  connect.params = {{"host", endpoint.host},
                    {"port", absl::StrCat(endpoint.port)},
                    {"user", options_.credentials.user},
                    {"dbname", "postgres"},
                    {"sslmode", options_.credentials.sslmode}};
  if (!options_.credentials.password.empty()) {
    connect.params.emplace_back("password", options_.credentials.password);
  }
  connect.application_name = "database-service";
  connect.connect_timeout = options_.connect_timeout;
  auto connection = PgConnection::Connect(connect, deadline);
  if (!connection.ok()) {
    return absl::Status(connection.status().code(),
                        absl::StrCat("connecting to ", endpoint.host, ":", endpoint.port, ": ",
                                     connection.status().message()));
  }
  return connection;
}

absl::StatusOr<std::unique_ptr<TenantLease>> PostgresPoolAdmin::LeaseTenants(
    const PoolEndpoint& endpoint, absl::Duration wait) {
  auto conn = Open(endpoint, absl::Now() + options_.connect_timeout);
  if (!conn.ok()) return conn.status();
  // Past the deadline the wait is cancelled, which takes the request out of
  // the lock's queue again.
  auto locked = (*conn)->Run(kLockTenants, {kTenantLockKey}, absl::Now() + wait);
  if (absl::IsDeadlineExceeded(locked.status())) {
    return absl::AbortedError(
        absl::StrCat("tenant creates or drops kept running on the pool server for ",
                     absl::FormatDuration(wait)));
  }
  if (!locked.ok()) return locked.status();
  return std::make_unique<PostgresTenantLease>(*std::move(conn), options_.ddl_timeout);
}

absl::StatusOr<std::unique_ptr<PgConnection>> PostgresPoolAdmin::OpenForTenant(
    const PoolEndpoint& endpoint, const std::string& name, absl::Time deadline) const {
  if (absl::Status valid = ValidateTenantDatabaseName(name); !valid.ok()) return valid;
  auto conn = Open(endpoint, deadline);
  if (!conn.ok()) return conn.status();
  // Held until the connection closes: a reconciler's lease waits for this
  // change to finish, and this change waits for a lease being held.
  auto locked = (*conn)->Run(kLockTenantsShared, {kTenantLockKey},
                             std::min(deadline, absl::Now() + options_.ddl_timeout));
  if (!locked.ok()) return locked.status();
  return conn;
}

absl::StatusOr<PoolServerInfo> PostgresPoolAdmin::Inspect(const PoolEndpoint& endpoint,
                                                          absl::Time deadline) {
  auto conn = Open(endpoint, deadline);
  if (!conn.ok()) return conn.status();
  auto rows =
      (*conn)->Run(kServerInfo, {}, std::min(deadline, absl::Now() + options_.connect_timeout));
  if (!rows.ok()) return rows.status();
  if (rows->rows() != 1) return absl::InternalError("server info query returned no row");
  PoolServerInfo info;
  if (!absl::SimpleAtoi(rows->Text(0, 0), &info.version_num)) {
    return absl::InternalError(
        absl::StrCat("unexpected server_version_num '", rows->Text(0, 0), "'"));
  }
  info.version = rows->String(0, 1);
  info.can_create_tenants = rows->Bool(0, 2);
  if (info.version_num < options_.min_server_version_num) {
    return absl::FailedPreconditionError(absl::StrCat("PostgreSQL ", info.version,
                                                      " is older than the minimum (version_num ",
                                                      options_.min_server_version_num, ")"));
  }
  if (!info.can_create_tenants) {
    return absl::FailedPreconditionError(
        absl::StrCat("role '", options_.credentials.user,
                     "' may not create databases and roles on this server"));
  }
  return info;
}

absl::StatusOr<absl::Duration> PostgresPoolAdmin::Probe(const PoolEndpoint& endpoint,
                                                        absl::Time deadline) {
  const absl::Time start = absl::Now();
  const absl::Time bound = std::min(deadline, start + options_.probe_timeout);
  auto conn = Open(endpoint, bound);
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Run(kProbe, {}, bound);
  if (!rows.ok()) return rows.status();
  if (rows->rows() != 1 || rows->Text(0, 0) != "1") {
    return absl::InternalError("SELECT 1 returned an unexpected answer");
  }
  return absl::Now() - start;
}

absl::StatusOr<TenantDatabase> PostgresPoolAdmin::CreateTenantDatabase(const PoolEndpoint& endpoint,
                                                                       const std::string& name,
                                                                       absl::Time caller_deadline) {
  auto conn = OpenForTenant(endpoint, name, caller_deadline);
  if (!conn.ok()) return conn.status();
  const absl::Time deadline = std::min(caller_deadline, absl::Now() + options_.ddl_timeout);
  TenantDatabase tenant{name, OwnerRoleFor(name), /*created=*/false};

  auto owner = DatabaseOwner(**conn, name, deadline);
  if (!owner.ok()) return owner.status();
  if (*owner == tenant.owner_role) return tenant;  // a retry: already done
  if (!owner->empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("database '", name, "' already exists on the pool with another owner"));
  }

  auto quoted_name = (*conn)->QuoteIdentifier(name);
  if (!quoted_name.ok()) return quoted_name.status();
  auto quoted_role = (*conn)->QuoteIdentifier(tenant.owner_role);
  if (!quoted_role.ok()) return quoted_role.status();

  auto role_oid = RoleOid(**conn, tenant.owner_role, deadline);
  if (!role_oid.ok()) return role_oid.status();
  bool created_role = false;
  if (*role_oid == 0) {
    absl::Status role =
        (*conn)->Execute(absl::StrCat("CREATE ROLE ", *quoted_role, " NOLOGIN"), deadline).status();
    // A concurrent attempt for the same tenant may have created it first.
    if (!role.ok() && !absl::IsAlreadyExists(role)) return role;
    created_role = role.ok();
  }

  absl::Status database =
      (*conn)
          ->Execute(absl::StrCat("CREATE DATABASE ", *quoted_name, " OWNER ", *quoted_role),
                    deadline)
          .status();
  if (database.ok()) {
    tenant.created = true;
    return tenant;
  }
  if (absl::IsAlreadyExists(database)) {
    // Lost a race: fine if the winner was this tenant.
    auto winner = DatabaseOwner(**conn, name, deadline);
    if (winner.ok() && *winner == tenant.owner_role) return tenant;
    database = absl::AlreadyExistsError(
        absl::StrCat("database '", name, "' already exists on the pool with another owner"));
  }
  if (created_role) {
    // Best effort; a leftover NOLOGIN role owns nothing and the next attempt reuses it.
    (void)(*conn)->Execute(absl::StrCat("DROP ROLE IF EXISTS ", *quoted_role), deadline);
  }
  return database;
}

absl::StatusOr<DroppedTenant> PostgresPoolAdmin::DropTenantDatabase(const PoolEndpoint& endpoint,
                                                                    const std::string& name,
                                                                    absl::Time caller_deadline) {
  auto conn = OpenForTenant(endpoint, name, caller_deadline);
  if (!conn.ok()) return conn.status();
  const absl::Time deadline = std::min(caller_deadline, absl::Now() + options_.ddl_timeout);
  const std::string role = OwnerRoleFor(name);
  DroppedTenant dropped;

  auto owner = DatabaseOwner(**conn, name, deadline);
  if (!owner.ok()) return owner.status();
  if (!owner->empty() && *owner != role) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database '", name, "' is not a tenant database (owned by '", *owner, "'); not dropped"));
  }
  auto quoted_name = (*conn)->QuoteIdentifier(name);
  if (!quoted_name.ok()) return quoted_name.status();

  if (!owner->empty()) {
    dropped.database_existed = true;
    absl::Status drop =
        (*conn)
            ->Execute(absl::StrCat("DROP DATABASE IF EXISTS ", *quoted_name, " WITH (FORCE)"),
                      deadline)
            .status();
    if (!drop.ok()) return drop;
  }
  auto role_oid = RoleOid(**conn, role, deadline);
  if (!role_oid.ok()) return role_oid.status();
  dropped.role_exists = *role_oid != 0;
  dropped.role_oid = *role_oid;
  return dropped;
}

absl::Status PostgresPoolAdmin::DropTenantRole(const PoolEndpoint& endpoint,
                                               const std::string& name, absl::Time deadline) {
  auto conn = OpenForTenant(endpoint, name, deadline);
  if (!conn.ok()) return conn.status();
  return DropOwnerRole(**conn, name, std::min(deadline, absl::Now() + options_.ddl_timeout));
}

}  // namespace dbs::database_service
