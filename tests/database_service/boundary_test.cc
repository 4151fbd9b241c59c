// The boundary between database-service and the instance database, checked three
// ways: no SQL on db_servers in database_service/ sources, no instance-service
// target in the link closure, and no instance-database setting in the binary.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/shell_command.h"

namespace {

namespace fs = std::filesystem;
using dbs::testing::RunShellCommand;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// SQL that names the db_servers table: FROM/INTO/UPDATE/JOIN/TABLE/TRUNCATE,
// optionally schema-qualified and quoted.
const std::regex& DbServersSql() {
  static const std::regex pattern(
      R"((from|into|update|join|table|truncate|references)\s+("?\w+"?\s*\.\s*)?"?db_servers\b)",
      std::regex::icase);
  return pattern;
}

// A setting that would point database-service at the instance database.
const std::regex& InstanceDatabaseSetting() {
  static const std::regex pattern(
      R"(database_url|instance_database|instance_db\b|INSTANCE_SERVICE_DATABASE|instance_dsn)",
      std::regex::icase);
  return pattern;
}

TEST_CASE("The SQL scan recognises statements on db_servers") {
  for (const char* sql : {"SELECT * FROM db_servers", "update public.db_servers set health = 1",
                          "INSERT INTO \"db_servers\" (id) VALUES ($1)",
                          "select 1 from instances join db_servers on true"}) {
    CAPTURE(sql);
    CHECK(std::regex_search(std::string(sql), DbServersSql()));
  }
  CHECK_FALSE(std::regex_search(std::string("#include \"instance/v1/db_servers.grpc.pb.h\""),
                                DbServersSql()));
}

TEST_CASE("No database_service source mentions db_servers in SQL or an instance-database setting") {
  const fs::path root = fs::path(DBS_SOURCE_DIR) / "database_service";
  int scanned = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string text = ReadFile(entry.path());
    ++scanned;
    CAPTURE(entry.path().string());
    CHECK_FALSE(std::regex_search(text, DbServersSql()));
    CHECK_FALSE(std::regex_search(text, InstanceDatabaseSetting()));
  }
  CHECK(scanned > 10);
}

TEST_CASE("No database_service source includes a header of instance_service/") {
  // The link closure catches a target edge; this catches a header used without
  // one (every target can see the repository root as an include directory).
  static const std::regex instance_include(R"re(#\s*include\s*"instance_service/)re");
  const fs::path root = fs::path(DBS_SOURCE_DIR) / "database_service";
  int includes = 0;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string text = ReadFile(entry.path());
    CAPTURE(entry.path().string());
    CHECK_FALSE(std::regex_search(text, instance_include));
    includes += std::regex_search(text, std::regex(R"re(#\s*include\s*"pq/)re")) ? 1 : 0;
  }
  CHECK(includes >= 1);  // the shared libpq layer is used, and allowed
}

TEST_CASE("No database_service target links anything defined under instance_service/") {
  // Written at configure time by database_service/boundary.cmake, which also
  // stops the configuration on a violation; this keeps the rule visible in ctest.
  const std::string closure = ReadFile(DBS_LINK_CLOSURE_FILE);
  REQUIRE_THAT(closure,
               Catch::Contains("database_service -> dbs_instance_service_client (client)"));
  CHECK_THAT(closure, Catch::Contains("dbs_database_service_pool_admin"));
  // The shared libpq layer is allowed: the boundary is the instance database.
  CHECK_THAT(closure, Catch::Contains("dbs_database_service_pool_admin -> dbs_pq (pq)"));
  CHECK_THAT(closure, !Catch::Contains("(instance_service"));
  for (const char* forbidden : {"dbs_repository", "dbs_instance_service_core", "dbs_migrations",
                                "dbs::repository", "dbs_fleet"}) {
    CAPTURE(forbidden);
    CHECK_THAT(closure, !Catch::Contains(forbidden));
  }
}

TEST_CASE("database-service has no setting for the instance database") {
  const std::string help =
      RunShellCommand(std::string(DBS_DATABASE_SERVICE_BINARY) + " --helpfull 2>&1").output;
  REQUIRE_THAT(help, Catch::Contains("--instance_service_target"));
  CHECK_THAT(help, Catch::Contains("--pool_admin_password_file"));
  CHECK_FALSE(std::regex_search(help, InstanceDatabaseSetting()));
  CHECK_THAT(help, !Catch::Contains("dbname"));
  CHECK_THAT(help, !Catch::Contains("[env INSTANCE_SERVICE_"));
}

TEST_CASE("database-service never logs the pool admin password") {
  const std::string secret = "s3cret-Pool-Passw0rd";
  const fs::path password_file =
      fs::temp_directory_path() / ("dbs-boundary-password-" + std::to_string(getpid()));
  std::ofstream(password_file) << secret << "\n";
  for (const std::string& source : {"--pool_admin_password_file=" + password_file.string(),
                                    std::string("--pool_admin_password_file=")}) {
    CAPTURE(source);
    // Runs briefly with a fast monitoring loop against an unreachable
    // instance-service, then gets SIGTERM.
    const std::string output =
        RunShellCommand("DATABASE_SERVICE_POOL_ADMIN_PASSWORD=" + secret + " timeout -s TERM 1.5 " +
                        DBS_DATABASE_SERVICE_BINARY +
                        " --listen=127.0.0.1:0 --metrics_listen=127.0.0.1:0 " +
                        "--monitoring_interval_ms=100 " +
                        "--instance_service_target=127.0.0.1:1 --instance_service_timeout_ms=200 " +
                        source + " 2>&1")
            .output;
    CHECK_THAT(output, Catch::Contains("pool admin password: from"));
    CHECK_THAT(output, !Catch::Contains(secret));
  }
  fs::remove(password_file);
}

}  // namespace
