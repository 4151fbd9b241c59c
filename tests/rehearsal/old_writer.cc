#include "tests/rehearsal/old_writer.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/rehearsal/steady_rate.h"

namespace dbs::rehearsal {
namespace {

// The old service's statements, as it sent them (no knowledge of the columns,
// trigger or constraints migration 0001 adds).
constexpr char kGetAvailablePool[] =
    "SELECT id FROM db_servers WHERE server_type = 'postgres' AND status = 'active' "
    "AND health_status = 'healthy' AND instance_count < max_instances "
    "ORDER BY instance_count LIMIT 1";
constexpr char kIncrementInstanceCount[] =
    "UPDATE db_servers SET instance_count = instance_count + 1, updated_at = now() "
    "WHERE id = $1 AND instance_count < max_instances";
constexpr char kInsertInstance[] =
    "INSERT INTO instances (db_server_id, name, tenant_id, created_at) "
    "VALUES ($1, $2, 'rehearsal', clock_timestamp())";
constexpr char kInsertPool[] =
    "INSERT INTO db_servers (name, host, port, server_type, status, health_status, "
    "max_instances) VALUES ($1, $2, $3, 'postgres', 'provisioning', 'unknown', $4) RETURNING id";
constexpr char kActivatePool[] =
    "UPDATE db_servers SET status = 'active', health_status = 'healthy', updated_at = now() "
    "WHERE id = $1";
constexpr char kWriteHealth[] =
    "UPDATE db_servers SET health_status = 'healthy', updated_at = now() WHERE id = $1";

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// One statement's outcome: rows affected or returned, the first value, or the error.
struct Outcome {
  bool ok = false;
  int rows = 0;
  std::string value;
  std::string error;
};

class OldService {
 public:
  explicit OldService(const OldWriterOptions& options) : options_(options) {}

  // An error message, or "" once connected.
  std::string EnsureConnected() {
    if (conn_ != nullptr && PQstatus(conn_.get()) == CONNECTION_OK) return "";
    conn_.reset(PQconnectdb(options_.conninfo.c_str()));
    if (PQstatus(conn_.get()) == CONNECTION_OK) return "";
    std::string error(absl::StripAsciiWhitespace(PQerrorMessage(conn_.get())));
    conn_.reset();
    return "connect: " + error;
  }

  Outcome Run(const char* sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const std::string& param : params) values.push_back(param.c_str());
    Result result(PQexecParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0),
                  &PQclear);
    Outcome outcome;
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
      outcome.error = absl::StrCat(sqlstate ? sqlstate : "no-sqlstate", " ",
                                   absl::StripAsciiWhitespace(PQresultErrorMessage(result.get())));
      return outcome;
    }
    outcome.ok = true;
    outcome.rows =
        status == PGRES_TUPLES_OK ? PQntuples(result.get()) : std::atoi(PQcmdTuples(result.get()));
    if (status == PGRES_TUPLES_OK && outcome.rows > 0) {
      outcome.value = PQgetvalue(result.get(), 0, 0);
    }
    return outcome;
  }

  // The allocation transaction; "" on success, else why not.
  std::string Allocate(const std::string& tenant) {
    if (std::string error = EnsureConnected(); !error.empty()) return error;
    auto fail = [this](const std::string& why) {
      Run("ROLLBACK");
      return why;
    };
    if (Outcome begin = Run("BEGIN"); !begin.ok) return begin.error;
    Outcome pool = Run(kGetAvailablePool);
    if (!pool.ok) return fail(pool.error);
    if (pool.rows == 0) return fail("no active healthy pool with a free slot");
    Outcome increment = Run(kIncrementInstanceCount, {pool.value});
    if (!increment.ok) return fail(increment.error);
    if (increment.rows != 1) return fail("pool " + pool.value + " became full");
    Outcome instance = Run(kInsertInstance, {pool.value, tenant});
    if (!instance.ok) return fail(instance.error);
    Outcome commit = Run("COMMIT");
    return commit.ok ? "" : commit.error;
  }

  // Registers a pool as provisioning.py did; "" on success.
  std::string Provision(const std::string& name) {
    if (std::string error = EnsureConnected(); !error.empty()) return error;
    Outcome inserted =
        Run(kInsertPool, {name, options_.pool_host, std::to_string(options_.pool_port),
                          std::to_string(options_.pool_capacity)});
    if (!inserted.ok) return inserted.error;
    Outcome activated = Run(kActivatePool, {inserted.value});
    if (!activated.ok) return activated.error;
    pools_.push_back(inserted.value);
    return "";
  }

  // Writes a health verdict on a pool it registered; "" on success.
  std::string Monitor(int64_t n) {
    if (std::string error = EnsureConnected(); !error.empty()) return error;
    Outcome written = Run(kWriteHealth, {pools_[n % pools_.size()]});
    return written.ok ? "" : written.error;
  }
  bool has_pools() const { return !pools_.empty(); }

 private:
  const OldWriterOptions& options_;
  Connection conn_{nullptr, &PQfinish};
  std::vector<std::string> pools_;  // ids of the pools this writer registered
};

}  // namespace

int64_t RunOldWriter(const OldWriterOptions& options, EventLog* log,
                     const std::atomic<bool>& stop) {
  OldService service(options);
  const std::string prefix = absl::StrCat(options.name_prefix, "-", getpid(), "-");
  int64_t failures = 0;
  auto record = [&](const char* kind, const std::string& error, absl::Time start,
                    const std::string& name) {
    if (!error.empty()) ++failures;
    log->Record(kind, error.empty(), start, error.empty() ? name : error);
  };
  RunAtSteadyRate(options.per_second, options.max_operations, stop, [&](int64_t n) {
    if (options.provision_every > 0 && n % options.provision_every == 0) {
      const std::string pool = absl::StrCat(options.name_prefix, "-pool-", getpid(), "-", n);
      const absl::Time start = absl::Now();
      record("provision", service.Provision(pool), start, pool);
    }
    if (options.monitor_every > 0 && n % options.monitor_every == 0 && service.has_pools()) {
      const absl::Time start = absl::Now();
      record("monitor", service.Monitor(n), start, "health");
    }
    const std::string tenant = prefix + std::to_string(n);
    const absl::Time start = absl::Now();
    record("allocate", service.Allocate(tenant), start, tenant);
  });
  return failures;
}

}  // namespace dbs::rehearsal
