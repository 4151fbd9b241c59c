#include "tests/support/test_postgres.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <catch2/catch.hpp>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace dbs::testing {
namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

Connection Connect(const std::string& conninfo) {
  Connection conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    FAIL("cannot connect to the test PostgreSQL: " << PQerrorMessage(conn.get()));
  }
  return conn;
}

}  // namespace

std::string AdminConnectionString() {
  if (const char* url = std::getenv("DBS_TEST_DATABASE_URL"); url != nullptr && *url) {
    return url;
  }
  const char* state_dir = std::getenv("DBS_TEST_PG_STATE_DIR");
  if (state_dir == nullptr) {
    FAIL("neither DBS_TEST_DATABASE_URL nor DBS_TEST_PG_STATE_DIR is set; run through ctest");
  }
  std::ifstream file(absl::StrCat(state_dir, "/conninfo"));
  std::stringstream contents;
  contents << file.rdbuf();
  std::string conninfo(absl::StripAsciiWhitespace(contents.str()));
  if (conninfo.empty()) FAIL("no conninfo in " << state_dir << ": did postgres.start run?");
  return conninfo;
}

std::string QueryScalar(const std::string& conninfo, const std::string& sql) {
  Connection conn = Connect(conninfo);
  Result result(PQexec(conn.get(), sql.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    FAIL("SQL failed: " << sql << ": " << PQresultErrorMessage(result.get()));
  }
  if (status != PGRES_TUPLES_OK || PQntuples(result.get()) == 0) return "";
  return PQgetvalue(result.get(), 0, 0);
}

ScratchDatabase::ScratchDatabase() : admin_(AdminConnectionString()) {
  absl::BitGen random;
  name_ = absl::StrCat("test_", absl::Uniform<uint64_t>(random));
  QueryScalar(admin_, absl::StrCat("CREATE DATABASE ", name_));
  // In a libpq connection string a repeated keyword overrides the earlier one.
  connection_string_ = absl::StrCat(admin_, " dbname=", name_);
}

ScratchDatabase::~ScratchDatabase() {
  // Best effort and silent: a destructor must not fail the test a second time.
  Connection conn(PQconnectdb(admin_.c_str()), &PQfinish);
  Result result(
      PQexec(conn.get(), absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)").c_str()),
      &PQclear);
}

}  // namespace dbs::testing
