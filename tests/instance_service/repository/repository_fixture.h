#ifndef TESTS_INSTANCE_SERVICE_REPOSITORY_REPOSITORY_FIXTURE_H_
#define TESTS_INSTANCE_SERVICE_REPOSITORY_REPOSITORY_FIXTURE_H_

#include <algorithm>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "errors/error_status.h"
#include "instance_service/migrations/migrator.h"
#include "instance_service/repository/postgres_db_server_repository.h"
#include "pq/pg_combiner.h"
#include "pq/pg_pool.h"
#include "tests/support/test_postgres.h"

namespace dbs::testing {

// A scratch database with every migration applied, a pool on it and the
// repository under test.
// With `combine`, the repository's hot statements go through a pq::PgCombiner, as in
// the instance-service binary.
struct MigratedDatabase {
  explicit MigratedDatabase(int max_connections = 8, bool combine = false)
      : pool(PoolOptions(max_connections)),
        combiner(combine ? std::make_unique<pq::PgCombiner>(&pool, CombinerOptions(max_connections))
                         : nullptr),
        repository(&pool, combiner.get()) {
    REQUIRE(instance::RunMigrations(database.connection_string()).ok());
  }

  static pq::PgCombinerOptions CombinerOptions(int max_connections) {
    pq::PgCombinerOptions options;
    options.max_batches = std::max(1, max_connections / 2);
    return options;
  }

  pq::PgPoolOptions PoolOptions(int max_connections) const {
    pq::PgPoolOptions options;
    options.conninfo = database.connection_string();
    options.max_connections = max_connections;
    options.max_wait = absl::Seconds(30);
    return options;
  }

  std::string Scalar(const std::string& sql) const {
    return QueryScalar(database.connection_string(), sql);
  }

  ScratchDatabase database;
  pq::PgPool pool;
  std::unique_ptr<pq::PgCombiner> combiner;
  instance::PostgresDbServerRepository repository;
};

inline instance::RepositoryCall Within(absl::Duration timeout = absl::Seconds(30)) {
  instance::RepositoryCall call;
  call.deadline = absl::Now() + timeout;
  return call;
}

inline instance::NewDbServer NewServer(const std::string& name, int max_instances = 10,
                                       const std::string& server_type = "postgres") {
  instance::NewDbServer server;
  server.display_name = name;
  server.host = absl::StrCat(name, ".db.internal");
  server.port = 5432;
  server.server_type = server_type;
  server.max_instances = max_instances;
  return server;
}

// "CODE REASON", so a failed CHECK shows both.
inline std::string CodeAndReason(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), " ", errors::ReasonNameOf(status));
}

}  // namespace dbs::testing

#endif  // TESTS_INSTANCE_SERVICE_REPOSITORY_REPOSITORY_FIXTURE_H_
