#ifndef INSTANCE_SERVICE_MIGRATIONS_MIGRATOR_H_
#define INSTANCE_SERVICE_MIGRATIONS_MIGRATOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace dbs::instance {

// One versioned schema change.
struct Migration {
  int version = 0;   // unique, > 0; applied in ascending order
  std::string name;  // e.g. "0001_db_servers", recorded for operators
  std::string sql;   // fixed SQL, several statements allowed
};

// Brings the instance database's schema up to date.
//
// Run() opens its own connection and, in ONE transaction under
// pg_advisory_xact_lock (so replicas starting together queue up instead of racing),
// reads the versions recorded in `schema_migrations`. When none is pending it stops
// there: no DDL at all, so a role that may only SELECT schema_migrations (the
// least-privileged `instance_service`, deploy/sql/grants.sql) can run it on a current
// schema. Otherwise it creates `schema_migrations` if needed, applies every migration
// whose version is not recorded there, and records each. All or nothing: a failing migration rolls
// back every one applied by that run. Running it again is a no-op. Versions in the
// table that this binary does not know (a newer binary migrated first) are left
// alone. While the advisory lock is held, each table lock a migration needs is
// waited for at most 15 s (lock_timeout), so a migration run next to a live service
// fails and rolls back rather than stalling the traffic queued behind its DDL.
//
// Errors: UNAVAILABLE DATABASE_UNAVAILABLE (cannot connect), DEADLINE_EXCEEDED
// QUERY_TIMEOUT (deadline hit waiting for the advisory lock, or a table lock not
// granted within 15 s), INVALID_ARGUMENT
// (duplicate or non-positive versions in the list), or the failing statement's
// error (message names the migration; never SQL text or the connection string).
//
// Thread-safe: Run() may be called from several threads or processes at once.
class Migrator {
 public:
  // Which embedded migrations a Migrator applies.
  enum class Scope {
    kExpand,    // instance_service/migrations/sql: start-up and `migrate`
    kContract,  // those and instance_service/migrations/contract: `migrate --contract`,
                // only once no old writer of the legacy columns is left
  };

  // The migrations compiled into the binary from instance_service/migrations/sql,
  // plus contract/ when `scope` is kContract.
  explicit Migrator(std::string conninfo, Scope scope = Scope::kExpand);
  // An explicit list (tests).
  Migrator(std::string conninfo, std::vector<Migration> migrations);

  // Returns the versions this call applied, ascending (empty when up to date).
  absl::StatusOr<std::vector<int>> Run(absl::Time deadline) const;

  // The versions recorded in schema_migrations, ascending (empty on a new database).
  absl::StatusOr<std::vector<int>> AppliedVersions(absl::Time deadline) const;

 private:
  std::string conninfo_;
  std::vector<Migration> migrations_;
};

// What `instance-service migrate` and start-up call: Migrator(conninfo, scope).Run()
// with a 5 minute deadline.
absl::Status RunMigrations(const std::string& conninfo,
                           Migrator::Scope scope = Migrator::Scope::kExpand);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_MIGRATIONS_MIGRATOR_H_
