// The libpq layer against a real PostgreSQL: the pool's bounds and hygiene, the
// transaction helper, the SQLSTATE table, and recovery after a server restart.
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "pq/pg_error.h"
#include "pq/pg_pool.h"
#include "pq/pg_transaction.h"
#include "pq/sqlstate.h"
#include "tests/support/silent_listener.h"
#include "tests/support/test_postgres.h"

using dbs::pq::PgConnection;
using dbs::pq::PgPool;
using dbs::pq::PgPoolOptions;
using dbs::pq::PgStatement;
using dbs::pq::RunInTransaction;
using dbs::testing::QueryScalar;
using dbs::testing::ScratchDatabase;
using dbs::testing::SilentListener;

namespace {

// "CODE kind" (pg_error.h), so a failed CHECK shows both.
std::string CodeAndKind(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), " ",
                      dbs::pq::ErrorKindName(dbs::pq::ErrorKindOf(status)));
}

PgPoolOptions Options(const std::string& conninfo, int max_connections = 2) {
  PgPoolOptions options;
  options.conninfo = conninfo;
  options.max_connections = max_connections;
  options.connect_timeout = absl::Seconds(2);
  options.max_wait = absl::Seconds(30);
  return options;
}

constexpr PgStatement kBackendPid = {"test_backend_pid", "SELECT pg_backend_pid()::text"};

std::string BackendPid(PgConnection& connection) {
  auto pid = connection.Execute(kBackendPid, {});
  REQUIRE(pid.ok());
  return pid->String(0, 0);
}

void Terminate(const std::string& pid) {
  QueryScalar(dbs::testing::AdminConnectionString(),
              "SELECT pg_terminate_backend(" + pid + ", 5000)");
}

// A private PostgreSQL cluster (deploy/local/pg-cluster) this test may stop and
// start without disturbing the shared fixture; removed when the test ends.
class OwnCluster {
 public:
  OwnCluster() {
    char dir[] = "/tmp/dbs-pool-test.XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    state_dir_ = dir;
    Start("");
  }
  ~OwnCluster() {
    Run("stop");
    std::system(("rm -rf " + state_dir_).c_str());
  }
  void Start(const std::string& port) {
    REQUIRE(Run(absl::StrCat("start ", state_dir_, " ", port)) == 0);
  }
  void Stop() { REQUIRE(Run("stop") == 0); }
  std::string conninfo() const { return Read("conninfo"); }
  std::string port() const { return Read("port"); }

 private:
  int Run(const std::string& arguments) {
    const std::string command = absl::StrCat(
        DBS_PG_CLUSTER, " ",
        absl::StartsWith(arguments, "start") ? arguments : absl::StrCat(arguments, " ", state_dir_),
        " >/dev/null");
    return std::system(command.c_str());
  }
  std::string Read(const std::string& file) const {
    std::ifstream in(state_dir_ + "/" + file);
    std::stringstream contents;
    contents << in.rdbuf();
    return std::string(absl::StripAsciiWhitespace(contents.str()));
  }
  std::string state_dir_;
};

absl::Status SelectOne(PgPool& pool, absl::Duration timeout) {
  return RunInTransaction(pool, absl::Now() + timeout, {}, [](PgConnection& connection) {
    return connection.Execute("SELECT 1").status();
  });
}

}  // namespace

TEST_CASE("Acquire waits for a busy pool only until the caller's deadline") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string(), 1));
  auto held = pool.Acquire(absl::Now() + absl::Seconds(10));
  REQUIRE(held.ok());
  const absl::Time start = absl::Now();
  auto waited = pool.Acquire(start + absl::Milliseconds(200));
  const absl::Duration elapsed = absl::Now() - start;
  CHECK(CodeAndKind(waited.status()) == "DEADLINE_EXCEEDED deadline");
  CHECK(elapsed >= absl::Milliseconds(190));
  CHECK(elapsed < absl::Seconds(2));
}

TEST_CASE("Acquire past max_wait is UNAVAILABLE pool_exhausted") {
  ScratchDatabase database;
  PgPoolOptions options = Options(database.connection_string(), 1);
  options.max_wait = absl::Milliseconds(100);
  PgPool pool(options);
  auto held = pool.Acquire(absl::InfiniteFuture());
  REQUIRE(held.ok());
  CHECK(CodeAndKind(pool.Acquire(absl::InfiniteFuture()).status()) == "UNAVAILABLE pool_exhausted");
}

TEST_CASE("a waiting Acquire gets the connection as soon as it is returned") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string(), 1));
  auto held =
      std::make_unique<dbs::pq::PooledConnection>(*pool.Acquire(absl::Now() + absl::Seconds(10)));
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(100));
    held.reset();
  });
  auto next = pool.Acquire(absl::Now() + absl::Seconds(10));
  releaser.join();
  REQUIRE(next.ok());
  CHECK(next->reused());
  CHECK(pool.open_count() == 1);
}

TEST_CASE("a connection returned inside a transaction is closed, not pooled") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string()));
  {
    auto connection = pool.Acquire(absl::Now() + absl::Seconds(10));
    REQUIRE(connection.ok());
    REQUIRE((*connection)->Execute("BEGIN").ok());
  }
  CHECK(pool.idle_count() == 0);
  CHECK(pool.open_count() == 0);
  {
    auto connection = pool.Acquire(absl::Now() + absl::Seconds(10));
    REQUIRE(connection.ok());
    CHECK_FALSE(connection->reused());
  }
  CHECK(pool.idle_count() == 1);
}

TEST_CASE("a connection killed in use is UNAVAILABLE and discarded, and the next call reconnects") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string()));
  {
    auto connection = pool.Acquire(absl::Now() + absl::Seconds(10));
    REQUIRE(connection.ok());
    Terminate(BackendPid(**connection));
    auto after = (*connection)->Execute("SELECT 1");
    CHECK(after.status().code() == absl::StatusCode::kUnavailable);
    CHECK((*connection)->IsBroken());
  }
  CHECK(pool.open_count() == 0);
  CHECK(SelectOne(pool, absl::Seconds(10)).ok());
}

TEST_CASE("a pooled connection that died while idle is replaced without an error") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string()));
  std::string pid;
  {
    auto connection = pool.Acquire(absl::Now() + absl::Seconds(10));
    REQUIRE(connection.ok());
    pid = BackendPid(**connection);
  }
  REQUIRE(pool.idle_count() == 1);
  Terminate(pid);
  std::string new_pid;
  absl::Status status =
      RunInTransaction(pool, absl::Now() + absl::Seconds(10), {}, [&](PgConnection& connection) {
        new_pid = BackendPid(connection);
        return absl::OkStatus();
      });
  CHECK(status.ok());
  CHECK(new_pid != pid);
  CHECK(pool.open_count() == 1);
}

TEST_CASE("statements are prepared once per connection, by name") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string(), 1));
  auto connection = pool.Acquire(absl::Now() + absl::Seconds(10));
  REQUIRE(connection.ok());
  constexpr PgStatement kAdd = {"test_add", "SELECT ($1::int + $2::int)::text"};
  for (int i = 0; i < 3; ++i) {
    auto sum = (*connection)->Execute(kAdd, {std::to_string(i), "40"});
    REQUIRE(sum.ok());
    CHECK(sum->Int64(0, 0) == 40 + i);
  }
  CHECK((*connection)->prepared_count() == 1);
  CHECK(QueryScalar(database.connection_string(), "SELECT 1") == "1");
}

// One round trip per call: the deadline's statement_timeout rides with the statements,
// and is re-sent only when the session's no longer fits the call's deadline.
TEST_CASE("statement_timeout follows each call's deadline, tighter and looser") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string(), 1));
  auto connection = pool.Acquire(absl::Now() + absl::Seconds(10));
  REQUIRE(connection.ok());
  constexpr PgStatement kSleep = {"test_sleep", "SELECT pg_sleep($1::float8)::text"};
  constexpr PgStatement kShow = {"test_show_timeout", "SHOW statement_timeout"};

  // Two calls with long deadlines: the session keeps one setting near 10 s.
  REQUIRE((*connection)->Run(kShow, {}, absl::Now() + absl::Seconds(10)).ok());
  auto shown = (*connection)->Run(kShow, {}, absl::Now() + absl::Seconds(10));
  REQUIRE(shown.ok());
  CHECK(shown->String(0, 0) != "0");  // about 10 s: set, and kept

  // A 150 ms deadline after them: the statement ends at about 150 ms.
  const absl::Time start = absl::Now();
  auto cut = (*connection)->Run(kSleep, {"2"}, start + absl::Milliseconds(150));
  CHECK(CodeAndKind(cut.status()) == "DEADLINE_EXCEEDED server");
  CHECK(dbs::pq::SqlStateOf(cut.status()) == dbs::pq::sqlstate::kQueryCanceled);
  CHECK(absl::Now() - start < absl::Milliseconds(1000));

  // A long deadline after the short one is not cut at the short one's bound.
  auto slept = (*connection)->Run(kSleep, {"0.4"}, absl::Now() + absl::Seconds(10));
  CHECK(slept.ok());
}

TEST_CASE("RunInTransaction commits on OK and rolls back on error, leaving the connection idle") {
  ScratchDatabase database;
  QueryScalar(database.connection_string(), "CREATE TABLE t (x int PRIMARY KEY)");
  PgPool pool(Options(database.connection_string(), 1));
  constexpr PgStatement kInsert = {"test_insert", "INSERT INTO t VALUES ($1::int)"};
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  CHECK(RunInTransaction(pool, deadline, {}, [&](PgConnection& connection) {
          return connection.Execute(kInsert, {"1"}).status();
        }).ok());
  absl::Status failed = RunInTransaction(pool, deadline, {}, [&](PgConnection& connection) {
    REQUIRE(connection.Execute(kInsert, {"2"}).ok());
    return absl::InternalError("body failed");
  });
  CHECK(failed.message() == "body failed");
  CHECK(QueryScalar(database.connection_string(), "SELECT string_agg(x::text, ',') FROM t") == "1");
  CHECK(pool.idle_count() == 1);
}

TEST_CASE("RunInTransaction reruns a serialization failure, then gives up as a conflict") {
  ScratchDatabase database;
  PgPool pool(Options(database.connection_string(), 1));
  constexpr char kConflict[] =
      "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$";
  int attempts = 0;
  CHECK(RunInTransaction(pool, absl::Now() + absl::Seconds(10), {}, [&](PgConnection& connection) {
          if (++attempts == 1) return connection.Execute(kConflict).status();
          return absl::OkStatus();
        }).ok());
  CHECK(attempts == 2);
  attempts = 0;
  const absl::Status persistent =
      RunInTransaction(pool, absl::Now() + absl::Seconds(10), {}, [&](PgConnection& connection) {
        ++attempts;
        return connection.Execute(kConflict).status();
      });
  CHECK(CodeAndKind(persistent) == "UNAVAILABLE conflict");
  CHECK(attempts == 3);
  CHECK(pool.idle_count() == 1);
}

TEST_CASE("the SQLSTATE table maps errors to codes without leaking SQL") {
  ScratchDatabase database;
  QueryScalar(database.connection_string(),
              "CREATE TABLE parent (id int PRIMARY KEY); "
              "CREATE TABLE child (parent_id int REFERENCES parent(id)); "
              "INSERT INTO parent VALUES (1)");
  PgPool pool(Options(database.connection_string()));
  const auto run = [&](const PgStatement& statement, absl::Duration timeout = absl::Seconds(10)) {
    return RunInTransaction(pool, absl::Now() + timeout, {}, [&](PgConnection& connection) {
      return connection.Execute(statement, {}).status();
    });
  };
  constexpr PgStatement kDuplicate = {"test_dup", "INSERT INTO parent VALUES (1)"};
  constexpr PgStatement kOrphan = {"test_orphan", "INSERT INTO child VALUES (7)"};
  constexpr PgStatement kSlow = {"test_slow", "SELECT pg_sleep(10)"};
  constexpr PgStatement kBadUuid = {"test_bad_uuid", "SELECT 'secret-looking'::uuid"};
  constexpr PgStatement kTypo = {"test_typo", "SELECT no_such_column FROM parent"};

  CHECK(run(kDuplicate).code() == absl::StatusCode::kAlreadyExists);
  CHECK(dbs::pq::SqlStateOf(run(kDuplicate)) == dbs::pq::sqlstate::kUniqueViolation);
  CHECK(dbs::pq::ConstraintOf(run(kDuplicate)) == "parent_pkey");
  CHECK(run(kOrphan).code() == absl::StatusCode::kFailedPrecondition);
  const absl::Time start = absl::Now();
  CHECK(run(kSlow, absl::Milliseconds(300)).code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(absl::Now() - start < absl::Seconds(3));
  CHECK(run(kBadUuid).code() == absl::StatusCode::kInvalidArgument);
  const absl::Status typo = run(kTypo);
  CHECK(CodeAndKind(typo) == "INTERNAL server");
  CHECK_FALSE(absl::StrContains(typo.message(), "SELECT"));
  CHECK(pool.idle_count() >= 1);
}

TEST_CASE("a database that does not answer fails fast with UNAVAILABLE") {
  SilentListener silent;
  PgPoolOptions options = Options(
      absl::StrCat("host=127.0.0.1 port=", silent.port(), " user=u password=hunter2 dbname=d"));
  options.connect_timeout = absl::Milliseconds(300);
  PgPool pool(options);
  const absl::Time start = absl::Now();
  const absl::Status status = pool.Ping(absl::Now() + absl::Seconds(30));
  CHECK(CodeAndKind(status) == "UNAVAILABLE connect");
  CHECK(absl::Now() - start < absl::Seconds(2));
  CHECK_FALSE(absl::StrContains(status.message(), "hunter2"));
  CHECK(pool.open_count() == 0);
}

TEST_CASE("the pool is UNAVAILABLE while PostgreSQL is down and recovers when it is back") {
  OwnCluster cluster;
  const std::string port = cluster.port();
  PgPoolOptions options = Options(cluster.conninfo(), 4);
  options.connect_timeout = absl::Seconds(1);
  PgPool pool(options);
  REQUIRE(pool.Ping(absl::Now() + absl::Seconds(10)).ok());
  REQUIRE(SelectOne(pool, absl::Seconds(10)).ok());
  REQUIRE(pool.idle_count() == 1);

  cluster.Stop();
  CHECK(CodeAndKind(pool.Ping(absl::Now() + absl::Seconds(5))) == "UNAVAILABLE connect");
  CHECK(CodeAndKind(SelectOne(pool, absl::Seconds(5))) == "UNAVAILABLE connect");
  CHECK(pool.open_count() == 0);

  cluster.Start(port);
  CHECK(pool.Ping(absl::Now() + absl::Seconds(10)).ok());
  CHECK(SelectOne(pool, absl::Seconds(10)).ok());
}

TEST_CASE("Ping answers while every pooled connection is busy") {
  ScratchDatabase database;
  PgPoolOptions options = Options(database.connection_string(), 1);
  options.max_wait = absl::Milliseconds(50);
  PgPool pool(options);
  auto held = pool.Acquire(absl::Now() + absl::Seconds(10));
  REQUIRE(held.ok());
  CHECK(pool.Ping(absl::Now() + absl::Seconds(5)).ok());
  CHECK(pool.open_count() == 1);
}

namespace {

// Records what the pool reports, as instance-service's metrics see it.
class RecordingObserver final : public dbs::pq::PgObserver {
 public:
  void ConnectionsChanged(int in_use, int idle) override {
    absl::MutexLock lock(&mu_);
    in_use_ = in_use;
    idle_ = idle;
  }
  void AcquireWaited(absl::Duration wait) override {
    absl::MutexLock lock(&mu_);
    waits_.push_back(wait);
  }
  void StatementAnswered(absl::string_view name, absl::Duration elapsed) override {
    absl::MutexLock lock(&mu_);
    statements_.emplace_back(name);
    elapsed_.push_back(elapsed);
  }
  std::pair<int, int> connections() {
    absl::MutexLock lock(&mu_);
    return {in_use_, idle_};
  }
  std::vector<absl::Duration> waits() {
    absl::MutexLock lock(&mu_);
    return waits_;
  }
  std::vector<std::string> statements() {
    absl::MutexLock lock(&mu_);
    return statements_;
  }
  std::vector<absl::Duration> elapsed() {
    absl::MutexLock lock(&mu_);
    return elapsed_;
  }

 private:
  absl::Mutex mu_;
  int in_use_ = -1;
  int idle_ = -1;
  std::vector<absl::Duration> waits_;
  std::vector<std::string> statements_;
  std::vector<absl::Duration> elapsed_;
};

constexpr PgStatement kSleep = {"test_sleep_50ms", "SELECT pg_sleep(0.05)::text"};

}  // namespace

TEST_CASE("The observer hears connections in use and idle, acquire waits and statement names") {
  ScratchDatabase database;
  RecordingObserver observer;
  PgPoolOptions options = Options(database.connection_string(), 2);
  options.observer = &observer;
  PgPool pool(options);
  {
    auto first = pool.Acquire(absl::Now() + absl::Seconds(10));
    REQUIRE(first.ok());
    CHECK(observer.connections() == std::make_pair(1, 0));
    auto second = pool.Acquire(absl::Now() + absl::Seconds(10));
    REQUIRE(second.ok());
    CHECK(observer.connections() == std::make_pair(2, 0));
    REQUIRE((*first)->Run(kSleep, {}, absl::Now() + absl::Seconds(10)).ok());
    REQUIRE((*second)
                ->Pipeline({{&kBackendPid, {}}, {&kSleep, {}}}, absl::Now() + absl::Seconds(10))
                .ok());
  }
  CHECK(observer.connections() == std::make_pair(0, 2));
  CHECK(observer.waits().size() == 2);
  // Each statement once by its name (never the statement_timeout the pipeline
  // sends first, nor a Parse), answered after its 50 ms sleep.
  CHECK(observer.statements() ==
        std::vector<std::string>{"test_sleep_50ms", "test_backend_pid", "test_sleep_50ms"});
  const std::vector<absl::Duration> elapsed = observer.elapsed();
  REQUIRE(elapsed.size() == 3);
  CHECK(elapsed[0] >= absl::Milliseconds(50));
  CHECK(elapsed[2] >= absl::Milliseconds(50));
  CHECK(elapsed[1] <= elapsed[2]);

  // Fixed SQL (a transaction's BEGIN and COMMIT) counts as "simple_query".
  REQUIRE(SelectOne(pool, absl::Seconds(10)).ok());
  std::vector<std::string> statements = observer.statements();
  CHECK(std::count(statements.begin(), statements.end(), "simple_query") == 3);
}

TEST_CASE(
    "Execute of free SQL ends at its deadline, cancels the statement, breaks the connection") {
  ScratchDatabase database;
  dbs::pq::PgConnectOptions connect;
  connect.conninfo = database.connection_string();
  auto connection = PgConnection::Connect(connect, absl::Now() + absl::Seconds(10));
  REQUIRE(connection.ok());
  const std::string pid = BackendPid(**connection);
  const absl::Time start = absl::Now();
  auto slept = (*connection)->Execute("SELECT pg_sleep(30)", start + absl::Milliseconds(200));
  CHECK(CodeAndKind(slept.status()) == "DEADLINE_EXCEEDED deadline");
  CHECK(absl::Now() - start < absl::Seconds(3));
  CHECK((*connection)->IsBroken());
  // The server stopped the statement: the backend is no longer sleeping.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  std::string state;
  do {
    state =
        QueryScalar(dbs::testing::AdminConnectionString(),
                    "SELECT coalesce((SELECT wait_event FROM pg_stat_activity WHERE pid = " + pid +
                        "), 'gone')");
  } while (state == "PgSleep" && absl::Now() < until);
  CHECK(state != "PgSleep");
}

TEST_CASE("Connect names the application and lets explicit params win over the conninfo") {
  ScratchDatabase database;
  dbs::pq::PgConnectOptions connect;
  connect.conninfo = database.connection_string() + " application_name=from-conninfo";
  connect.application_name = "default-name";
  connect.params = {{"application_name", "database-service"}};
  auto connection = PgConnection::Connect(connect, absl::Now() + absl::Seconds(10));
  REQUIRE(connection.ok());
  auto name = (*connection)->Execute("SELECT current_setting('application_name')");
  REQUIRE(name.ok());
  CHECK(name->String(0, 0) == "database-service");

  connect.params.clear();
  connect.conninfo = database.connection_string();
  auto defaulted = PgConnection::Connect(connect, absl::Now() + absl::Seconds(10));
  REQUIRE(defaulted.ok());
  auto default_name = (*defaulted)->Execute("SELECT current_setting('application_name')");
  REQUIRE(default_name.ok());
  CHECK(default_name->String(0, 0) == "default-name");
}

TEST_CASE("QuoteIdentifier quotes what needs quoting") {
  ScratchDatabase database;
  dbs::pq::PgConnectOptions connect;
  connect.conninfo = database.connection_string();
  auto connection = PgConnection::Connect(connect, absl::Now() + absl::Seconds(10));
  REQUIRE(connection.ok());
  CHECK((*connection)->QuoteIdentifier("tenant_1").value() == "\"tenant_1\"");
  CHECK((*connection)->QuoteIdentifier("a\"b").value() == "\"a\"\"b\"");
}
