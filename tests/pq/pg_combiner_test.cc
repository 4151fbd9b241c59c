// pq::PgCombiner on a real PostgreSQL: concurrent callers share round trips and
// transactions, and each still gets exactly the outcome it would get alone.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "pq/pg_combiner.h"
#include "pq/pg_error.h"
#include "pq/pg_pool.h"
#include "pq/sqlstate.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::pq::PgCombiner;
using dbs::pq::PgCombinerOptions;
using dbs::pq::PgPool;
using dbs::pq::PgPoolOptions;
using dbs::pq::PgStatement;
using dbs::testing::QueryScalar;
using dbs::testing::ScratchDatabase;

PgPoolOptions Pool(const std::string& conninfo) {
  PgPoolOptions options;
  options.conninfo = conninfo;
  options.max_connections = 4;
  options.max_wait = absl::Seconds(30);
  return options;
}

PgCombinerOptions Combiner() {
  PgCombinerOptions options;
  options.max_batches = 2;
  return options;
}

// Runs `call(i)` on `threads` threads at once, i = 0..threads-1.
template <typename Call>
void Concurrently(int threads, Call call) {
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) running.emplace_back([&call, i] { call(i); });
  for (std::thread& thread : running) thread.join();
}

int64_t Commits(const std::string& conninfo) {
  return std::stoll(QueryScalar(
      conninfo, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"));
}

}  // namespace

TEST_CASE("64 concurrent increments land once each, in fewer transactions than calls") {
  ScratchDatabase database;
  QueryScalar(database.connection_string(),
              "CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL);"
              "INSERT INTO counters SELECT g, 0 FROM generate_series(1, 8) AS g");
  PgPool pool(Pool(database.connection_string()));
  PgCombiner combiner(&pool, Combiner());
  constexpr PgStatement kIncrement = {
      "test_increment", "UPDATE counters SET n = n + 1 WHERE id = $1::int RETURNING n"};
  const int64_t commits_before = Commits(database.connection_string());
  std::atomic<int> ok{0};
  Concurrently(64, [&](int i) {
    for (int round = 0; round < 10; ++round) {
      auto result = combiner.Run(kIncrement, {absl::StrCat(1 + (i + round) % 8)},
                                 absl::Now() + absl::Seconds(30));
      if (result.ok() && result->rows() == 1) ++ok;
    }
  });
  CHECK(ok == 640);
  CHECK(QueryScalar(database.connection_string(), "SELECT sum(n) FROM counters") == "640");
  // Batches shared transactions: far fewer commits than calls (the statistics
  // collector may lag a little, which only lowers the count).
  CHECK(Commits(database.connection_string()) - commits_before < 640);
}

TEST_CASE("a failing statement fails alone: the rest of its batch still lands") {
  ScratchDatabase database;
  QueryScalar(database.connection_string(), "CREATE TABLE names (name text PRIMARY KEY)");
  PgPool pool(Pool(database.connection_string()));
  PgCombiner combiner(&pool, Combiner());
  constexpr PgStatement kInsert = {"test_insert", "INSERT INTO names VALUES ($1) RETURNING name"};
  std::atomic<int> ok{0}, duplicates{0}, other{0};
  Concurrently(48, [&](int i) {
    // Callers 0 and 1 insert the same name; the rest distinct ones.
    auto result = combiner.Run(kInsert, {absl::StrCat("name-", i == 1 ? 0 : i)},
                               absl::Now() + absl::Seconds(30));
    if (result.ok()) {
      ++ok;
    } else if (dbs::pq::SqlStateOf(result.status()) == dbs::pq::sqlstate::kUniqueViolation) {
      ++duplicates;
    } else {
      ++other;
    }
  });
  CHECK(ok == 47);
  CHECK(duplicates == 1);
  CHECK(other == 0);
  CHECK(QueryScalar(database.connection_string(), "SELECT count(*) FROM names") == "47");
}

TEST_CASE("a short deadline in a batch cuts only its own statement") {
  ScratchDatabase database;
  PgPool pool(Pool(database.connection_string()));
  PgCombinerOptions options;
  options.max_batches = 1;  // everyone in the same batches
  PgCombiner combiner(&pool, options);
  constexpr PgStatement kSleep = {"test_sleep", "SELECT pg_sleep($1::float8)::text"};
  std::atomic<int> ok{0}, timed_out{0}, other{0};
  Concurrently(16, [&](int i) {
    const bool short_one = i == 0;
    auto result =
        combiner.Run(kSleep, {short_one ? "0.5" : "0.01"},
                     absl::Now() + (short_one ? absl::Milliseconds(100) : absl::Seconds(30)));
    if (result.ok()) {
      ++ok;
    } else if (result.status().code() == absl::StatusCode::kDeadlineExceeded) {
      ++timed_out;
    } else {
      ++other;
    }
  });
  CHECK(ok == 15);
  CHECK(timed_out == 1);
  CHECK(other == 0);
}
