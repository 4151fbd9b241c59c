#include "database_service/pool_admin/postgres_pool_admin.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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

// The OID of `role`, or 0 when there is no such role (0 is never a valid OID).
absl::StatusOr<uint32_t> RoleOid(PgConnection& conn, const std::string& role, absl::Time deadline) {
  auto rows = conn.Run(kRoleOid, {role}, deadline);
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return 0u;
  uint32_t oid = 0;
  if (!absl::SimpleAtoi(rows->Text(0, 0), &oid) || oid == 0) {
    return absl::InternalError(absl::StrCat("unexpected oid '", rows->Text(0, 0), "' for role"));
  }
  return oid;
}

// The owner of database `name`, or "" when there is no such database.
absl::StatusOr<std::string> DatabaseOwner(PgConnection& conn, const std::string& name,
                                          absl::Time deadline) {
  auto rows = conn.Run(kDatabaseOwner, {name}, deadline);
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::string();
  return rows->String(0, 0);
}

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

absl::StatusOr<std::unique_ptr<PgConnection>> PostgresPoolAdmin::OpenForTenant(
    const PoolEndpoint& endpoint, const std::string& name, absl::Time deadline) const {
  if (absl::Status valid = ValidateTenantDatabaseName(name); !valid.ok()) return valid;
  return Open(endpoint, deadline);
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
  auto quoted_role = (*conn)->QuoteIdentifier(OwnerRoleFor(name));
  if (!quoted_role.ok()) return quoted_role.status();
  auto drop = (*conn)->Execute(absl::StrCat("DROP ROLE IF EXISTS ", *quoted_role),
                               std::min(deadline, absl::Now() + options_.ddl_timeout));
  // 2BP01 (dependent objects still exist) is FAILED_PRECONDITION in pq's table.
  return drop.status();
}

}  // namespace dbs::database_service
