#include "tests/bench/sql_driver.h"

#include <poll.h>

#include <atomic>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libpq-fe.h"

namespace dbs::bench {
namespace {

struct Statement {
  Operation operation;
  const char* name;
  const char* sql;
};

// The old service's statements (see README.md), columns renamed: name ->
// display_name, status -> state (upper-case values), health -> health,
// created_at/updated_at -> create_time/update_time.
constexpr Statement kStatements[] = {
    {Operation::kFind, "find",
     "SELECT id,display_name,host,port,server_type,state,health,instance_count,max_instances "
     "FROM db_servers WHERE server_type=$1 AND state='ACTIVE' AND health='HEALTHY' "
     "AND instance_count<max_instances ORDER BY instance_count LIMIT 1"},
    {Operation::kGet, "get",
     "SELECT id,display_name,host,port,server_type,state,health,instance_count,max_instances,"
     "create_time,update_time FROM db_servers WHERE display_name=$1"},
    {Operation::kList, "list",
     "SELECT id,display_name,host,port,server_type,state,health,instance_count,max_instances,"
     "create_time,update_time FROM db_servers ORDER BY display_name LIMIT 50"},
    {Operation::kIncrement, "increment",
     "UPDATE db_servers SET instance_count=instance_count+1, update_time=now() "
     "WHERE display_name=$1 AND instance_count<max_instances RETURNING instance_count"},
    {Operation::kAllocate, "allocate",
     "UPDATE db_servers SET instance_count=instance_count+1, update_time=now() WHERE id=("
     "SELECT id FROM db_servers WHERE server_type=$1 AND state='ACTIVE' AND health='HEALTHY' "
     "AND instance_count<max_instances ORDER BY instance_count LIMIT 1 FOR UPDATE SKIP LOCKED) "
     "RETURNING id, instance_count"},
    {Operation::kDecrement, "decrement",
     "UPDATE db_servers SET instance_count=instance_count-1, update_time=now() "
     "WHERE id=$1 AND instance_count>0 RETURNING instance_count"},
};

const Statement& StatementFor(Operation operation) {
  for (const Statement& statement : kStatements) {
    if (statement.operation == operation) return statement;
  }
  return kStatements[0];
}

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

// One caller: a connection with at most one statement in flight.
struct Caller {
  std::unique_ptr<PGconn, PgConnDeleter> conn;
  std::mt19937 random;
  Operation operation = Operation::kGet;
  absl::Time started;
  bool in_flight = false;
  bool failed = false;
  std::string error_key;
  bool returned_row = false;
  std::string last_row_id;  // the id an allocate returned
  std::string held_slot;    // the pool this caller allocated on and has not released
  std::string param;
};

absl::StatusOr<std::unique_ptr<Caller>> Connect(const std::string& conninfo, uint32_t seed) {
  auto caller = std::make_unique<Caller>();
  caller->random.seed(seed);
  caller->conn.reset(PQconnectdb(conninfo.c_str()));
  if (PQstatus(caller->conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("connect: ", PQerrorMessage(caller->conn.get())));
  }
  for (const Statement& statement : kStatements) {
    PGresult* prepared = PQprepare(caller->conn.get(), statement.name, statement.sql, 0, nullptr);
    const bool ok = PQresultStatus(prepared) == PGRES_COMMAND_OK;
    PQclear(prepared);
    if (!ok) {
      return absl::InternalError(
          absl::StrCat("prepare ", statement.name, ": ", PQerrorMessage(caller->conn.get())));
    }
  }
  PQsetnonblocking(caller->conn.get(), 1);
  return caller;
}

// The callers one thread drives, and what they measured.
struct Shard {
  std::vector<std::unique_ptr<Caller>> callers;
  LatencyRecorder latencies;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;
};

class ShardRun {
 public:
  ShardRun(const RunSpec& spec, const PoolSet& pools, absl::Time start, absl::Time end)
      : spec_(spec), pools_(pools), start_(start), end_(end) {}

  void Drive(Shard& shard) {
    for (auto& caller : shard.callers) Send(*caller);
    std::vector<pollfd> fds(shard.callers.size());
    while (true) {
      int in_flight = 0;
      for (size_t i = 0; i < shard.callers.size(); ++i) {
        fds[i] = {PQsocket(shard.callers[i]->conn.get()), POLLIN, 0};
        if (shard.callers[i]->in_flight) ++in_flight;
      }
      if (in_flight == 0) return;
      if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
      for (size_t i = 0; i < shard.callers.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
        Caller& caller = *shard.callers[i];
        if (!caller.in_flight || !Receive(caller)) continue;  // more to read
        Complete(shard, caller);
        if (absl::Now() < end_) Send(caller);
      }
    }
  }

 private:
  void Send(Caller& caller) {
    caller.operation = spec_.workload == Workload::kMixed
                           ? PickMixedOperation(caller.random(), !caller.held_slot.empty())
                           : SingleOperation(spec_.workload);
    const char* value = nullptr;
    switch (caller.operation) {
      case Operation::kFind:
      case Operation::kAllocate:
        value = pools_.server_type.c_str();
        break;
      case Operation::kGet:
      case Operation::kIncrement:
        caller.param = pools_.names[caller.random() % pools_.names.size()];
        value = caller.param.c_str();
        break;
      case Operation::kDecrement:
        value = caller.held_slot.c_str();
        break;
      case Operation::kList:
        break;
    }
    caller.started = absl::Now();
    caller.failed = false;
    caller.returned_row = false;
    caller.last_row_id.clear();
    const Statement& statement = StatementFor(caller.operation);
    const int count = value == nullptr ? 0 : 1;
    if (PQsendQueryPrepared(caller.conn.get(), statement.name, count, &value, nullptr, nullptr,
                            0) != 1) {
      caller.failed = true;
      caller.error_key = "SQL send failed";
      return;
    }
    while (PQflush(caller.conn.get()) == 1) {
      pollfd out{PQsocket(caller.conn.get()), POLLOUT, 0};
      ::poll(&out, 1, 100);
    }
    caller.in_flight = true;
  }

  // Reads what arrived; true once the statement's results are complete.
  bool Receive(Caller& caller) {
    PGconn* conn = caller.conn.get();
    if (PQconsumeInput(conn) != 1) {
      caller.failed = true;
      caller.error_key = "SQL connection lost";
      caller.in_flight = false;
      return true;
    }
    while (!PQisBusy(conn)) {
      PGresult* result = PQgetResult(conn);
      if (result == nullptr) {
        caller.in_flight = false;
        return true;
      }
      const ExecStatusType status = PQresultStatus(result);
      if (status == PGRES_TUPLES_OK) {
        caller.returned_row = PQntuples(result) > 0;
        if (caller.returned_row && caller.operation == Operation::kAllocate) {
          caller.last_row_id = PQgetvalue(result, 0, 0);
        }
      } else if (status != PGRES_COMMAND_OK) {
        caller.failed = true;
        const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        caller.error_key = absl::StrCat("SQL ", sqlstate == nullptr ? "?" : sqlstate);
      }
      PQclear(result);
    }
    return false;
  }

  void Complete(Shard& shard, Caller& caller) {
    const absl::Time now = absl::Now();
    const bool wrote = caller.operation == Operation::kIncrement ||
                       caller.operation == Operation::kAllocate ||
                       caller.operation == Operation::kDecrement;
    if (!caller.failed && wrote && !caller.returned_row) {
      caller.failed = true;
      caller.error_key = "SQL no row";  // full, or no capacity
    }
    if (!caller.failed && caller.operation == Operation::kAllocate) {
      caller.held_slot = caller.last_row_id;
    }
    if (!caller.failed && caller.operation == Operation::kDecrement) caller.held_slot.clear();
    if (now < start_ || now > end_) return;
    if (caller.failed) {
      ++shard.errors[caller.error_key];
      return;
    }
    ++shard.ok;
    shard.latencies.Record(now - caller.started);
  }

  const RunSpec& spec_;
  const PoolSet& pools_;
  const absl::Time start_;
  const absl::Time end_;
};

}  // namespace

absl::StatusOr<RunResult> SqlDriver::Run(const RunSpec& spec, const PoolSet& pools) const {
  const int threads = std::max(1, std::min(threads_, spec.concurrency));
  std::vector<Shard> shards(threads);
  for (int i = 0; i < spec.concurrency; ++i) {
    auto caller = Connect(conninfo_, 7919u * static_cast<uint32_t>(i) + 1);
    if (!caller.ok()) return caller.status();
    shards[i % threads].callers.push_back(*std::move(caller));
  }
  const absl::Time start = absl::Now() + spec.warmup;
  const absl::Time end = start + spec.duration;
  ShardRun run(spec, pools, start, end);
  std::vector<std::thread> workers;
  for (Shard& shard : shards) workers.emplace_back([&run, &shard] { run.Drive(shard); });
  for (std::thread& worker : workers) worker.join();

  RunResult result;
  result.driver = "sql";
  result.workload = spec.workload;
  result.concurrency = spec.concurrency;
  result.table_pools = spec.table_pools;
  result.seconds = absl::ToDoubleSeconds(spec.duration);
  LatencyRecorder latencies;
  for (const Shard& shard : shards) {
    result.ok += shard.ok;
    for (const auto& [key, count] : shard.errors) result.errors[key] += count;
    latencies.Merge(shard.latencies);
  }
  result.SetLatencies(latencies);
  return result;
}

}  // namespace dbs::bench
