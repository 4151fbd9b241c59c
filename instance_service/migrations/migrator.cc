#include "instance_service/migrations/migrator.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "instance_service/migrations/embedded_migrations.h"
#include "pq/pg_connection.h"
#include "pq/pg_pool.h"
#include "pq/pg_transaction.h"

namespace dbs::instance {
namespace {

using pq::PgConnection;
using pq::PgStatement;

// One lock for every process migrating this database; the key is derived from a
// fixed name so that operators can find it in pg_locks.
constexpr PgStatement kTakeLock = {
    "dbs_migrations_lock",
    "SELECT pg_advisory_xact_lock(hashtextextended('instance-service schema migrations', 0))"};
// Once the advisory lock is held, DDL that cannot get its table lock within this
// fails (and rolls back) instead of stalling live traffic queued behind it.
constexpr PgStatement kLimitLockWaits = {"dbs_migrations_lock_timeout",
                                         "SELECT set_config('lock_timeout', '15s', true)"};
constexpr char kCreateSchemaMigrations[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
constexpr PgStatement kTableExists = {"dbs_migrations_table_exists",
                                      "SELECT to_regclass('schema_migrations') IS NOT NULL"};
constexpr PgStatement kSelectVersions = {"dbs_migrations_versions",
                                         "SELECT version FROM schema_migrations ORDER BY version"};
constexpr PgStatement kRecordVersion = {
    "dbs_migrations_record", "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)"};

std::vector<Migration> Embedded(Migrator::Scope scope) {
  std::vector<Migration> migrations;
  for (const EmbeddedMigration& embedded : EmbeddedMigrations()) {
    migrations.push_back({embedded.version, embedded.name, embedded.sql});
  }
  if (scope == Migrator::Scope::kContract) {
    for (const EmbeddedMigration& embedded : EmbeddedContractMigrations()) {
      migrations.push_back({embedded.version, embedded.name, embedded.sql});
    }
  }
  return migrations;
}

// The same error with `prefix` in front of its message; code and payloads kept.
absl::Status Annotate(const absl::Status& status, absl::string_view prefix) {
  return errors::WithMessage(status, absl::StrCat(prefix, ": ", status.message()));
}

pq::PgPoolOptions SingleConnection(const std::string& conninfo) {
  pq::PgPoolOptions options;
  options.application_name = "instance-service migrate";
  options.conninfo = conninfo;
  options.max_connections = 1;
  options.connect_timeout = absl::Seconds(10);
  options.max_wait = absl::InfiniteDuration();
  return options;
}

absl::StatusOr<std::vector<int>> ReadVersions(PgConnection& connection) {
  auto exists = connection.Execute(kTableExists, {});
  if (!exists.ok()) return exists.status();
  std::vector<int> versions;
  if (!exists->Bool(0, 0)) return versions;
  auto rows = connection.Execute(kSelectVersions, {});
  if (!rows.ok()) return rows.status();
  for (int row = 0; row < rows->rows(); ++row) {
    versions.push_back(static_cast<int>(rows->Int64(row, 0)));
  }
  return versions;
}

}  // namespace

Migrator::Migrator(std::string conninfo, Scope scope)
    : Migrator(std::move(conninfo), Embedded(scope)) {}

Migrator::Migrator(std::string conninfo, std::vector<Migration> migrations)
    : conninfo_(std::move(conninfo)), migrations_(std::move(migrations)) {
  std::sort(migrations_.begin(), migrations_.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
}

absl::StatusOr<std::vector<int>> Migrator::Run(absl::Time deadline) const {
  for (size_t i = 0; i < migrations_.size(); ++i) {
    if (migrations_[i].version <= 0 ||
        (i > 0 && migrations_[i].version == migrations_[i - 1].version)) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration versions must be positive and unique: ", migrations_[i].name));
    }
  }
  pq::PgPool pool(SingleConnection(conninfo_));
  std::vector<int> applied;
  absl::Status status =
      pq::RunInTransaction(pool, deadline, {}, [&](PgConnection& connection) -> absl::Status {
        applied.clear();
        auto locked = connection.Execute(kTakeLock, {});
        if (!locked.ok()) return Annotate(locked.status(), "taking the migration lock");
        auto limited = connection.Execute(kLimitLockWaits, {});
        if (!limited.ok()) return limited.status();
        // Read first: with nothing pending, no DDL runs (and none needs privileges).
        auto versions = ReadVersions(connection);
        if (!versions.ok()) return Annotate(versions.status(), "reading schema_migrations");
        const std::set<int> done(versions->begin(), versions->end());
        std::vector<const Migration*> pending;
        for (const Migration& migration : migrations_) {
          if (done.count(migration.version) == 0) pending.push_back(&migration);
        }
        if (pending.empty()) return absl::OkStatus();
        auto created = connection.Execute(kCreateSchemaMigrations);
        if (!created.ok()) return Annotate(created.status(), "creating schema_migrations");
        for (const Migration* next : pending) {
          const Migration& migration = *next;
          auto result = connection.Execute(migration.sql);
          if (!result.ok()) {
            return Annotate(result.status(), absl::StrCat("migration ", migration.name));
          }
          auto recorded =
              connection.Execute(kRecordVersion, {absl::StrCat(migration.version), migration.name});
          if (!recorded.ok()) return Annotate(recorded.status(), "recording a migration");
          applied.push_back(migration.version);
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<std::vector<int>> Migrator::AppliedVersions(absl::Time deadline) const {
  pq::PgPool pool(SingleConnection(conninfo_));
  std::vector<int> versions;
  pq::TransactionOptions options;
  options.read_only = true;
  absl::Status status =
      pq::RunInTransaction(pool, deadline, options, [&](PgConnection& connection) {
        auto read = ReadVersions(connection);
        if (!read.ok()) return read.status();
        versions = *std::move(read);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return versions;
}

absl::Status RunMigrations(const std::string& conninfo, Migrator::Scope scope) {
  auto applied = Migrator(conninfo, scope).Run(absl::Now() + absl::Minutes(5));
  return applied.status();
}

}  // namespace dbs::instance
