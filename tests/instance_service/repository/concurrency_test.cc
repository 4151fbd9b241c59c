// Capacity is never oversold: many threads racing on Allocate and Increment get
// exactly the capacity, and the table agrees.
#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pq/pg_connection.h"
#include "pq/pg_error.h"
#include "pq/pg_transaction.h"
#include "pq/sqlstate.h"

#include "tests/instance_service/repository/repository_fixture.h"

using dbs::instance::DbServerChanges;
using dbs::instance::DbServerHealth;
using dbs::instance::DbServerState;
using dbs::testing::CodeAndReason;
using dbs::testing::MigratedDatabase;
using dbs::testing::NewServer;
using dbs::testing::Within;

namespace {

constexpr int kThreads = 64;
constexpr int kCallsPerThread = 3;  // 192 calls against 100 slots

std::string MakeActive(MigratedDatabase& db, const std::string& name, int max_instances) {
  auto created = db.repository.Create(NewServer(name, max_instances), std::nullopt, Within());
  REQUIRE(created.ok());
  DbServerChanges changes;
  changes.state = DbServerState::kActive;
  changes.health = DbServerHealth::kHealthy;
  REQUIRE(
      db.repository.Update(created->id, changes, std::nullopt, {}, std::nullopt, Within()).ok());
  return created->id;
}

struct Tally {
  std::atomic<int> ok{0};
  std::atomic<int> expected_error{0};
  std::atomic<int> other{0};
};

template <typename Call>
void Race(Call call, const std::string& expected, Tally* tally) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const absl::Status status = call();
        if (status.ok()) {
          ++tally->ok;
        } else if (CodeAndReason(status) == expected) {
          ++tally->expected_error;
        } else {
          ++tally->other;
          UNSCOPED_INFO(status.ToString());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace

TEST_CASE("64 threads allocating from pools of total capacity 100 get exactly 100 slots") {
  const bool combine = GENERATE(false, true);
  INFO((combine ? "with" : "without") << " the combiner");
  MigratedDatabase db(/*max_connections=*/16, combine);
  MakeActive(db, "pg-a", 10);
  MakeActive(db, "pg-b", 30);
  MakeActive(db, "pg-c", 60);
  Tally tally;
  Race([&] { return db.repository.Allocate("postgres", std::nullopt, Within()).status(); },
       "RESOURCE_EXHAUSTED NO_CAPACITY", &tally);
  CHECK(tally.other == 0);
  CHECK(tally.ok == 100);
  CHECK(tally.expected_error == kThreads * kCallsPerThread - 100);
  CHECK(db.Scalar("SELECT sum(instance_count) FROM db_servers") == "100");
  CHECK(db.Scalar("SELECT count(*) FROM db_servers WHERE instance_count > max_instances") == "0");
  CHECK(db.Scalar("SELECT count(*) FROM db_servers WHERE instance_count = max_instances") == "3");
}

// Allocations racing on rows that each other keep changing (PostgreSQL re-checks
// such rows, EvalPlanQual) still all land: a one-statement allocate that re-ran its
// pick there matched nothing for about one call in ten.
TEST_CASE("64 threads allocating from roomy pools all get a slot, never NO_CAPACITY") {
  const bool combine = GENERATE(false, true);
  INFO((combine ? "with" : "without") << " the combiner");
  MigratedDatabase db(/*max_connections=*/16, combine);
  for (int i = 0; i < 20; ++i) MakeActive(db, "pg-" + std::to_string(i), 1000);
  Tally tally;
  Race([&] { return db.repository.Allocate("postgres", std::nullopt, Within()).status(); },
       "RESOURCE_EXHAUSTED NO_CAPACITY", &tally);
  CHECK(tally.other == 0);
  CHECK(tally.expected_error == 0);
  CHECK(tally.ok == kThreads * kCallsPerThread);
  CHECK(db.Scalar("SELECT sum(instance_count) FROM db_servers") ==
        std::to_string(kThreads * kCallsPerThread));
}

TEST_CASE("64 threads incrementing one pool of 100 get exactly 100, the rest DB_SERVER_FULL") {
  const bool combine = GENERATE(false, true);
  INFO((combine ? "with" : "without") << " the combiner");
  MigratedDatabase db(/*max_connections=*/16, combine);
  const std::string id = MakeActive(db, "pg-a", 100);
  Tally tally;
  Race([&] { return db.repository.Increment(id, std::nullopt, Within()).status(); },
       "FAILED_PRECONDITION DB_SERVER_FULL", &tally);
  CHECK(tally.other == 0);
  CHECK(tally.ok == 100);
  CHECK(tally.expected_error == kThreads * kCallsPerThread - 100);
  CHECK(db.Scalar("SELECT instance_count FROM db_servers") == "100");
}

TEST_CASE("concurrent duplicates of one request id apply once and all get the same answer") {
  const bool combine = GENERATE(false, true);
  INFO((combine ? "with" : "without") << " the combiner");
  MigratedDatabase db(/*max_connections=*/16, combine);
  const std::string id = MakeActive(db, "pg-a", 100);
  const dbs::instance::RequestIdentity request{"66666666-6666-4666-8666-666666666666",
                                               "Increment:" + id};
  std::atomic<int> ok{0};
  std::atomic<int> count_one{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      auto result = db.repository.Increment(id, request, Within());
      if (result.ok()) {
        ++ok;
        if (result->instance_count == 1) ++count_one;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(ok == 16);
  CHECK(count_one == 16);
  CHECK(db.Scalar("SELECT instance_count FROM db_servers") == "1");
}

// The caller's deadline bounds every statement of a transaction, not just the
// first, and nothing commits after it: the first statement waits on a lock for most
// of the deadline, the effect follows, and the last statement waits on another lock
// released only after the deadline.
TEST_CASE("a transaction never runs or commits past the caller's deadline") {
  MigratedDatabase db;
  db.Scalar("CREATE TABLE deadline_probe (v int); INSERT INTO deadline_probe VALUES (1)");
  dbs::pq::PgConnectOptions connect;
  connect.conninfo = db.database.connection_string();
  auto holder = dbs::pq::PgConnection::Connect(connect, absl::Now() + absl::Seconds(10));
  REQUIRE(holder.ok());
  REQUIRE((*holder)->Execute("SELECT pg_advisory_lock(7101), pg_advisory_lock(7102)").ok());

  constexpr dbs::pq::PgStatement kWaitFirst = {"test_wait_first",
                                               "SELECT pg_advisory_xact_lock(7101)"};
  constexpr dbs::pq::PgStatement kWrite = {"test_write", "UPDATE deadline_probe SET v = 2"};
  constexpr dbs::pq::PgStatement kWaitSecond = {"test_wait_second",
                                                "SELECT pg_advisory_xact_lock(7102)"};
  const absl::Duration timeout = absl::Seconds(2);
  const absl::Time start = absl::Now();
  // Lock 7101 at 1.5 s (most of the deadline), 7102 at 2.8 s (after it, but before
  // a statement given the whole budget again would time out).
  std::thread releaser([&] {
    absl::SleepFor(start + absl::Milliseconds(1500) - absl::Now());
    (void)(*holder)->Execute("SELECT pg_advisory_unlock(7101)");
    absl::SleepFor(start + absl::Milliseconds(2800) - absl::Now());
    (void)(*holder)->Execute("SELECT pg_advisory_unlock(7102)");
  });
  const absl::Status status = dbs::pq::RunInTransaction(
      db.pool, start + timeout, {}, [&](dbs::pq::PgConnection& connection) {
        for (const auto* statement : {&kWaitFirst, &kWrite, &kWaitSecond}) {
          auto result = connection.Execute(*statement, {});
          if (!result.ok()) return result.status();
        }
        return absl::OkStatus();
      });
  const absl::Duration took = absl::Now() - start;
  releaser.join();

  // pq names no API reason: its kind says the deadline ended it, on this side or
  // as the server's statement_timeout (57014) derived from it.
  CHECK(status.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK((dbs::pq::ErrorKindOf(status) == dbs::pq::PgErrorKind::kDeadline ||
         dbs::pq::SqlStateOf(status) == dbs::pq::sqlstate::kQueryCanceled));
  CHECK(took >= absl::Milliseconds(1500));
  CHECK(took < timeout + absl::Milliseconds(300));
  // Rolled back: the write is not there, now or later.
  CHECK(db.Scalar("SELECT v FROM deadline_probe") == "1");
  // The pool is fine afterwards.
  CHECK(CodeAndReason(dbs::pq::RunInTransaction(db.pool, absl::Now() + absl::Seconds(5), {},
                                                [&](dbs::pq::PgConnection& connection) {
                                                  return connection.Execute(kWrite, {}).status();
                                                })) == "OK ");
  CHECK(db.Scalar("SELECT v FROM deadline_probe") == "2");
}

TEST_CASE("a deadline that passes after the last statement still prevents the commit") {
  MigratedDatabase db;
  db.Scalar("CREATE TABLE deadline_probe (v int); INSERT INTO deadline_probe VALUES (1)");
  constexpr dbs::pq::PgStatement kWrite = {"test_write", "UPDATE deadline_probe SET v = 2"};
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  const absl::Status status =
      dbs::pq::RunInTransaction(db.pool, deadline, {}, [&](dbs::pq::PgConnection& connection) {
        auto result = connection.Execute(kWrite, {});
        if (!result.ok()) return result.status();
        absl::SleepFor(deadline - absl::Now() + absl::Milliseconds(50));  // slow caller code
        return absl::OkStatus();
      });
  // pq names no API reason: its own kind says the deadline ended it.
  CHECK(status.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(dbs::pq::ErrorKindOf(status) == dbs::pq::PgErrorKind::kDeadline);
  CHECK(db.Scalar("SELECT v FROM deadline_probe") == "1");
}
