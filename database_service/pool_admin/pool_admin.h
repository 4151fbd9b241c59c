#ifndef DATABASE_SERVICE_POOL_ADMIN_POOL_ADMIN_H_
#define DATABASE_SERVICE_POOL_ADMIN_POOL_ADMIN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "database_service/pool_admin/pool_endpoint.h"

namespace dbs::database_service {

// What provisioning learns about a pool server.
struct PoolServerInfo {
  int version_num = 0;              // server_version_num, e.g. 150005
  std::string version;              // server_version, e.g. "15.5"
  bool can_create_tenants = false;  // the admin role may CREATE DATABASE and CREATE ROLE
};

// A tenant database as it exists on a pool after CreateTenantDatabase.
struct TenantDatabase {
  std::string database_name;
  std::string owner_role;
  bool created = false;  // false: it already existed with this owner (a retry)
};

// What DropTenantDatabase found: whether the database existed (it is gone now)
// and whether the tenant's owner role still exists, with its OID.
struct DroppedTenant {
  bool database_existed = false;
  bool role_exists = false;
  // The owner role's OID (pg_roles.oid) on the pool server when role_exists,
  // else 0. The role is created before the database and dropped last, so the
  // OID names one incarnation of the tenant for the whole of its life, including
  // a drop that has not finished: a new tenant of the same name gets a new role.
  uint32_t role_oid = 0;
};

// The tenants a pool server holds, as the reconciler counts them.
struct TenantInventory {
  // Tenant databases: every database `name` owned by OwnerRoleFor(name), with
  // the database's OID (a database dropped and created again gets a new one).
  std::map<std::string, uint32_t> databases;
  // Owner roles without their database: tenant name -> the role's OID. A drop
  // that has not finished (its slot may still be held), or a failed create's
  // leftover (its slot was released).
  std::map<std::string, uint32_t> orphan_roles;
};

// An exclusive hold on a pool server's tenant changes: while it lives, no
// CreateTenantDatabase, DropTenantDatabase or DropTenantRole of any
// database-service replica runs on that server (each takes the shared side of
// the same session-level advisory lock before its first statement, and waits).
// Released when destroyed, or when its connection dies with its holder. Not
// thread-safe.
class TenantLease {
 public:
  virtual ~TenantLease() = default;

  // The tenant databases and orphan owner roles on the server now.
  virtual absl::StatusOr<TenantInventory> Inventory() = 0;

  // Drops OwnerRoleFor(name) if it exists and owns no database (a drop's last
  // step, or a failed create's cleanup). FAILED_PRECONDITION while it owns
  // objects.
  virtual absl::Status DropOrphanRole(const std::string& name) = 0;
};

// Administration of the pool servers themselves, over libpq. This is the only
// SQL database-service runs, and it never targets the instance database: the
// endpoints come from `DbServer` records, the credentials from configuration.
//
// A tenant database `name` is owned by the NOLOGIN role OwnerRoleFor(name); that
// ownership is how a retry recognises its own database and how DropTenantDatabase
// refuses to drop a database that is not a tenant's.
//
// Errors (every method): UNAVAILABLE when the server cannot be reached,
// DEADLINE_EXCEEDED when it does not answer in time, PERMISSION_DENIED when the
// admin login is refused or lacks a privilege. Messages never contain passwords.
//
// `deadline` is the caller's (database-service propagates the deadline of the RPC
// it serves): it bounds the connect and every statement, together with the
// implementation's own per-operation timeouts (whichever ends first).
// Tenant changes (CreateTenantDatabase, DropTenantDatabase, DropTenantRole)
// hold the shared side of a per-server lock for their whole connection, so a
// TenantLease (the reconciler's) never sees one half done.
//
// Thread-safe: implementations open a connection per call.
class PoolAdmin {
 public:
  virtual ~PoolAdmin() = default;

  // Connects and reads the version and the admin role's privileges.
  // FAILED_PRECONDITION when the version is below the configured minimum or the
  // role may not create databases and roles.
  virtual absl::StatusOr<PoolServerInfo> Inspect(const PoolEndpoint& endpoint,
                                                 absl::Time deadline) = 0;

  // Connects with the probe timeout and runs `SELECT 1`; the round-trip time
  // from the start of the connect to the answer.
  virtual absl::StatusOr<absl::Duration> Probe(const PoolEndpoint& endpoint,
                                               absl::Time deadline) = 0;

  // Creates OwnerRoleFor(name) (NOLOGIN) and the database `name` owned by it.
  // Succeeds with created=false when both already exist that way. ALREADY_EXISTS
  // when a database `name` exists with another owner; a role this call created
  // is removed again on failure. INVALID_ARGUMENT for a name that
  // ValidateTenantDatabaseName rejects.
  virtual absl::StatusOr<TenantDatabase> CreateTenantDatabase(const PoolEndpoint& endpoint,
                                                              const std::string& name,
                                                              absl::Time deadline) = 0;

  // Drops the database `name` if it exists (terminating its sessions), and
  // reports whether the owner role is still there, and its OID. The role is dropped
  // separately, last, so that a role without a database marks a drop that has
  // not finished (its slot may not be released yet). FAILED_PRECONDITION when the
  // database exists but is not owned by OwnerRoleFor(name).
  virtual absl::StatusOr<DroppedTenant> DropTenantDatabase(const PoolEndpoint& endpoint,
                                                           const std::string& name,
                                                           absl::Time deadline) = 0;

  // Drops OwnerRoleFor(name) if it exists. FAILED_PRECONDITION while it still
  // owns objects (the database was not dropped).
  virtual absl::Status DropTenantRole(const PoolEndpoint& endpoint, const std::string& name,
                                      absl::Time deadline) = 0;

  // Takes the exclusive TenantLease on the server, waiting at most `wait` for
  // the tenant changes running there to finish (changes that start meanwhile
  // queue behind it, so a busy server cannot starve it): ABORTED when they did
  // not finish in time (retry later).
  virtual absl::StatusOr<std::unique_ptr<TenantLease>> LeaseTenants(const PoolEndpoint& endpoint,
                                                                    absl::Duration wait) = 0;
};

// The owner role of tenant database `name`: `<name>_owner`.
std::string OwnerRoleFor(const std::string& name);

// OK when `name` matches `[a-z][a-z0-9_]{0,56}` (so OwnerRoleFor fits in 63
// bytes), is not `postgres`, `template0` or `template1`, and does not start
// with `pg_` (PostgreSQL reserves such role names); INVALID_ARGUMENT otherwise.
absl::Status ValidateTenantDatabaseName(const std::string& name);

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_POOL_ADMIN_POOL_ADMIN_H_
