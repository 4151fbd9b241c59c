#ifndef TESTS_SUPPORT_TEST_POSTGRES_H_
#define TESTS_SUPPORT_TEST_POSTGRES_H_

#include <string>

namespace dbs::testing {

// The connection string of the fixture's PostgreSQL superuser, `postgres` database.
// Taken from $DBS_TEST_DATABASE_URL when set (to run against a server of your own),
// else from $DBS_TEST_PG_STATE_DIR/conninfo, written by `deploy/local/pg-cluster
// start`. Fails the current test when neither is available.
std::string AdminConnectionString();

// Runs one SQL statement (or several, separated by ';') on `conninfo` and returns
// the first column of the first row, or "" when there is none. Fails the current
// test on any error. For test setup and assertions only.
std::string QueryScalar(const std::string& conninfo, const std::string& sql);

// A fresh, uniquely named database on the fixture's server, dropped (connections
// and all) when this object goes away. Each test gets a clean schema, and tests can
// run in parallel without seeing each other's rows.
class ScratchDatabase {
 public:
  ScratchDatabase();
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  // A libpq connection string for this database, as the superuser.
  const std::string& connection_string() const { return connection_string_; }

 private:
  std::string admin_;
  std::string name_;
  std::string connection_string_;
};

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_TEST_POSTGRES_H_
