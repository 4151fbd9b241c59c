// deploy/sql/preflight-legacy-shape.sql, the check run before migration step 1, on a
// real PostgreSQL: it passes on the legacy fixture every migration test starts from
// (so that fixture is the shape 0001 assumes), and it fails, naming each difference,
// on two legacy databases that are not. Each case loads its fixture into a scratch
// database with psql, then runs the check with psql as an operator would.
#include <stdlib.h>
#include <sys/wait.h>

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/str_split.h"
#include "instance_service/migrations/migrator.h"
#include "tests/support/shell_command.h"
#include "tests/support/test_postgres.h"

namespace {

using dbs::testing::RunShellCommand;
using dbs::testing::ScratchDatabase;

// One line of the report: its result (ok, note, WARN, FAIL), what it expected and
// what it found, by object.
struct Line {
  std::string result;
  std::string expected;
  std::string found;
};

struct Report {
  int exit_code = -1;
  std::string output;                 // everything psql printed, for failure messages
  std::map<std::string, Line> lines;  // by object
  int failures = 0;

  // The line about `object`; fails the test when there is none.
  const Line& at(const std::string& object) const {
    INFO(output);
    REQUIRE(lines.count(object) == 1);
    return lines.at(object);
  }
};

// psql on `database`, through the environment so the connection string needs no
// shell quoting (each test case runs in a process of its own).
dbs::testing::ShellCommandResult Psql(const ScratchDatabase& database, const std::string& args) {
  setenv("DBS_PREFLIGHT_DATABASE", database.connection_string().c_str(), 1);
  return RunShellCommand(std::string(DBS_PSQL) +
                         " \"$DBS_PREFLIGHT_DATABASE\" -X -q -v ON_ERROR_STOP=1 " + args + " 2>&1");
}

void Load(const ScratchDatabase& database, const std::string& fixture) {
  const auto loaded = Psql(database, "-f " + fixture);
  INFO(loaded.output);
  REQUIRE(loaded.wait_status == 0);
}

// Runs the check with unaligned output, one `result|object|expected|found` per line.
Report Preflight(const ScratchDatabase& database) {
  const auto run = Psql(database, "-At -F '|' -f " DBS_PREFLIGHT_SQL);
  Report report;
  report.output = run.output;
  report.exit_code = WIFEXITED(run.wait_status) ? WEXITSTATUS(run.wait_status) : -1;
  for (absl::string_view text : absl::StrSplit(run.output, '\n')) {
    std::vector<std::string> fields = absl::StrSplit(text, absl::MaxSplits('|', 3));
    if (fields.size() != 4) continue;  // psql's NOTICE and ERROR lines
    report.lines[fields[1]] = Line{fields[0], fields[2], fields[3]};
    if (fields[0] == "FAIL") ++report.failures;
  }
  return report;
}

TEST_CASE("preflight passes on the legacy fixture and warns about the rows 0001 normalises") {
  ScratchDatabase database;
  Load(database, DBS_LEGACY_FIXTURE_SQL);
  const Report report = Preflight(database);
  INFO(report.output);
  CHECK(report.exit_code == 0);
  CHECK(report.failures == 0);
  for (const char* column : {"id", "name", "host", "port", "server_type", "status", "health_status",
                             "instance_count", "max_instances", "created_at", "updated_at"}) {
    INFO(column);
    CHECK(report.at(std::string("db_servers.") + column).result == "ok");
  }
  CHECK(report.at("db_servers primary key").result == "ok");
  CHECK(report.at("db_servers unique name").result == "ok");
  CHECK(report.at("instances foreign key instances_db_server_id_fkey").result == "ok");
  // pool-2 has no counts and pool-3 holds more than its capacity: 0001 repairs both.
  const Line& no_count = report.at("db_servers rows with instance_count NULL or negative");
  CHECK(no_count.result == "WARN");
  CHECK(no_count.found == "1: aaaaaaaa-0000-4000-8000-000000000002");
  CHECK(report.at("db_servers rows with max_instances NULL, < 1 or below instance_count").found ==
        "2: aaaaaaaa-0000-4000-8000-000000000002, aaaaaaaa-0000-4000-8000-000000000003");
  CHECK(report.at("db_servers check db_servers_status_check").result == "note");
}

TEST_CASE("preflight fails on legacy tables with other column types, naming each") {
  ScratchDatabase database;
  Load(database, DBS_LEGACY_MISMATCH_TYPES_SQL);
  const Report report = Preflight(database);
  INFO(report.output);
  CHECK(report.exit_code != 0);
  CHECK(report.output.find("preflight: 4 FAIL line(s)") != std::string::npos);
  const Line& id = report.at("db_servers.id");
  CHECK(id.result == "FAIL");
  CHECK(id.expected == "uuid PRIMARY KEY DEFAULT gen_random_uuid()");
  CHECK(id.found.rfind("integer NOT NULL DEFAULT nextval(", 0) == 0);
  CHECK(report.at("db_servers.port").result == "FAIL");
  CHECK(report.at("db_servers.port").found == "text NOT NULL DEFAULT '5432'::text");
  CHECK(report.at("db_servers.state").result == "FAIL");
  CHECK(report.at("instances.db_server_id").result == "FAIL");
  CHECK(report.at("db_servers.created_at").result == "WARN");
  CHECK(report.at("db_servers.name").result == "ok");
}

TEST_CASE("preflight fails on legacy rows and constraints 0001 cannot hold, naming each") {
  ScratchDatabase database;
  Load(database, DBS_LEGACY_MISMATCH_ROWS_SQL);
  const Report report = Preflight(database);
  INFO(report.output);
  CHECK(report.exit_code != 0);
  CHECK(report.failures == 4);
  CHECK(report.at("db_servers.region").result == "FAIL");
  CHECK(report.at("db_servers rows with host NULL").found ==
        "1: cccccccc-0000-4000-8000-000000000002");
  CHECK(report.at("db_servers rows with port outside 1..65535").found ==
        "1: cccccccc-0000-4000-8000-000000000003");
  const Line& orphans = report.at("instances rows on a missing db server");
  CHECK(orphans.result == "FAIL");
  CHECK(orphans.found == "1: dddddddd-0000-4000-8000-000000000002");
  CHECK(report.at("instances foreign key").result == "WARN");
  CHECK(report.at("db_servers unique name").result == "WARN");
  CHECK(report.at("db_servers trigger db_servers_touch").result == "WARN");
  // 'Online' is a status 0001 knows (it reads as ACTIVE), whatever its case.
  CHECK(report.at("db_servers rows with a status 0001 does not know").result == "ok");
}

TEST_CASE("preflight passes on a fresh database and on one already migrated") {
  ScratchDatabase fresh;
  const Report empty = Preflight(fresh);
  INFO(empty.output);
  CHECK(empty.exit_code == 0);
  CHECK(empty.at("db_servers").found == "absent: a fresh database, 0001 creates the table");

  ScratchDatabase adopted;
  Load(adopted, DBS_LEGACY_FIXTURE_SQL);
  REQUIRE(dbs::instance::RunMigrations(adopted.connection_string()).ok());
  const Report after = Preflight(adopted);
  INFO(after.output);
  CHECK(after.exit_code == 0);
  CHECK(after.at("db_servers").found == "already adopted: schema_migrations records 0001");
}

}  // namespace
