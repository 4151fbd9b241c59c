// Every repository statement, EXPLAINed (ANALYZE, BUFFERS) on a table of 100,000
// pools: none sorts or sequentially scans db_servers, and each reads a bounded
// number of pages, so its cost does not grow with the fleet. Run with both of
// PostgreSQL's plan choices for prepared statements (custom and generic plans),
// since a long-lived connection ends up with the generic one (except for the
// statements the repository always runs with a custom plan).
#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "instance_service/repository/db_server_statements.h"
#include "libpq-fe.h"
#include "tests/instance_service/repository/repository_fixture.h"

namespace {

using dbs::pq::PgParam;
using dbs::pq::PgStatement;
namespace sql = dbs::instance::statements;

constexpr int kPools = 100'000;
constexpr char kRequestId[] = "11111111-1111-4111-8111-111111111111";

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

Result Exec(PGconn* conn, const std::string& text) {
  Result result(PQexec(conn, text.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  INFO(text.substr(0, 200) << ": " << PQerrorMessage(conn));
  REQUIRE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK));
  return result;
}

// One EXPLAIN of a statement: the plan's node types with their relations, and the
// pages the whole statement touched.
struct Plan {
  std::string json;
  std::vector<std::string> scans;  // "Seq Scan db_servers", "Sort", ...
  int64_t pages = 0;
};

// The JSON value after the first `"key": ` at or after `from`, without quotes.
std::string ValueAfter(const std::string& json, const std::string& key, size_t from) {
  const std::string needle = absl::StrCat("\"", key, "\": ");
  const size_t at = json.find(needle, from);
  if (at == std::string::npos) return "";
  size_t start = at + needle.size();
  if (json[start] == '"') ++start;
  const size_t end = json.find_first_of("\",\n", start);
  return json.substr(start, end - start);
}

Plan Explain(PGconn* conn, const PgStatement& statement, const std::vector<PgParam>& params) {
  std::vector<std::string> literals;
  for (const PgParam& param : params) {
    if (!param) {
      literals.push_back("NULL");
      continue;
    }
    char* quoted = PQescapeLiteral(conn, param->c_str(), param->size());
    literals.push_back(quoted);
    PQfreemem(quoted);
  }
  Exec(conn, "BEGIN");  // writes are EXPLAINed for real, then rolled back
  const std::string arguments =
      literals.empty() ? "" : absl::StrCat("(", absl::StrJoin(literals, ", "), ")");
  Result result = Exec(conn, absl::StrCat("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE ",
                                          statement.name, arguments));
  Exec(conn, "ROLLBACK");
  Plan plan;
  plan.json = PQgetvalue(result.get(), 0, 0);
  for (size_t at = plan.json.find("\"Node Type\": "); at != std::string::npos;
       at = plan.json.find("\"Node Type\": ", at + 1)) {
    const std::string type = ValueAfter(plan.json, "Node Type", at);
    const size_t next = plan.json.find("\"Node Type\": ", at + 1);
    const size_t relation_at = plan.json.find("\"Relation Name\": ", at);
    const std::string relation = relation_at != std::string::npos && relation_at < next
                                     ? ValueAfter(plan.json, "Relation Name", at)
                                     : "";
    plan.scans.push_back(relation.empty() ? type : absl::StrCat(type, " ", relation));
  }
  // The top node's counts include every node below it.
  int64_t hit = 0, read = 0;
  (void)absl::SimpleAtoi(ValueAfter(plan.json, "Shared Hit Blocks", 0), &hit);
  (void)absl::SimpleAtoi(ValueAfter(plan.json, "Shared Read Blocks", 0), &read);
  plan.pages = hit + read;
  return plan;
}

struct Case {
  const PgStatement* statement;
  std::vector<PgParam> params;
  int64_t max_pages;
};

}  // namespace

TEST_CASE("no repository statement sorts or scans the fleet of 100,000 pools") {
  dbs::testing::MigratedDatabase db;
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectdb(db.database.connection_string().c_str()));
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  // A fleet with some variety: 10% not ACTIVE, 5% UNHEALTHY, counts from empty to
  // full, three zones; alternately postgres and mysql.
  Exec(conn.get(),
       absl::StrCat("INSERT INTO db_servers (display_name, host, port, server_type, state,"
                    " health, instance_count, max_instances, labels)"
                    " SELECT 'pool-' || g, 'h' || g, 5432,"
                    " CASE WHEN g % 2 = 0 THEN 'postgres' ELSE 'mysql' END,"
                    " CASE WHEN g % 10 = 3 THEN 'MAINTENANCE' ELSE 'ACTIVE' END,"
                    " CASE WHEN g % 20 = 7 THEN 'UNHEALTHY' ELSE 'HEALTHY' END,"
                    " g % 101, 100, jsonb_build_object('zone', 'z' || (g % 3))"
                    " FROM generate_series(1, ",
                    kPools, ") AS g"));
  Exec(conn.get(), "UPDATE db_servers SET instance_count = 0 WHERE display_name = 'pool-7000'");
  Exec(conn.get(), "VACUUM ANALYZE db_servers");
  const std::string id = PQgetvalue(
      Exec(conn.get(), "SELECT id FROM db_servers WHERE display_name = 'pool-50000'").get(), 0, 0);
  const std::string empty_id = PQgetvalue(
      Exec(conn.get(), "SELECT id FROM db_servers WHERE display_name = 'pool-7000'").get(), 0, 0);

  const std::vector<Case> cases = {
      {&sql::kGet, {id}, 16},
      {&sql::kList, {"", "51"}, 200},
      {&sql::kList, {"pool-50000", "51"}, 200},  // a deep page costs the same
      {&sql::kListFiltered,
       {"pool-2", "postgres", "{}", "ACTIVE", "{}", std::nullopt, "{UNHEALTHY}", std::nullopt, "{}",
        "{}", "{}", "51"},
       600},
      {&sql::kListFiltered,
       {"", std::nullopt, "{mysql}", std::nullopt, "{}", std::nullopt, "{}", std::nullopt, "{}",
        R"({"zone": "z1"})", R"({"{\"zone\": \"z2\"}"})", "51"},
       600},
      {&sql::kFindAvailable, {"postgres"}, 16},
      {&sql::kCreate,
       {"pool-new", "h", "5432", "postgres", "10", "{}", kRequestId, "fingerprint"},
       48},
      {&sql::kUpdate,
       {id, "DRAINING", "HEALTHY", "ok", "false", std::nullopt, std::nullopt, std::nullopt,
        std::nullopt, std::nullopt, std::nullopt, "{ACTIVE,MAINTENANCE}", kRequestId,
        "fingerprint"},
       48},
      {&sql::kDelete, {empty_id, std::nullopt, kRequestId, "fingerprint"}, 48},
      {&sql::kInstancesExist, {id}, 16},
      {&sql::kIncrement, {id, kRequestId, "fingerprint"}, 48},
      {&sql::kDecrement, {id, kRequestId, "fingerprint"}, 48},
      {&sql::kAllocateSkipLocked, {"postgres", kRequestId, "fingerprint"}, 48},
      {&sql::kAllocateWaiting, {"postgres", kRequestId, "fingerprint"}, 48},
      {&sql::kReadRequest, {kRequestId}, 16},
      {&sql::kForgetExpiredRequest, {kRequestId}, 16},
      {&sql::kPurgeRequests, {}, 16},
  };
  std::map<std::string, int> covered;
  for (const Case& c : cases) ++covered[c.statement->name];
  for (const PgStatement* statement : sql::kAll) {
    INFO("statement without a plan check: " << statement->name);
    CHECK(covered.count(statement->name) == 1);
    PGresult* prepared = PQprepare(conn.get(), statement->name, statement->sql, 0, nullptr);
    INFO(PQerrorMessage(conn.get()));
    REQUIRE(PQresultStatus(prepared) == PGRES_COMMAND_OK);
    PQclear(prepared);
  }

  for (const char* mode : {"force_custom_plan", "force_generic_plan"}) {
    Exec(conn.get(), absl::StrCat("SET plan_cache_mode = ", mode));
    for (const Case& c : cases) {
      const bool custom_only =
          std::find(std::begin(sql::kCustomPlanOnly), std::end(sql::kCustomPlanOnly),
                    c.statement) != std::end(sql::kCustomPlanOnly);
      if (custom_only && std::string(mode) == "force_generic_plan") continue;
      const Plan plan = Explain(conn.get(), *c.statement, c.params);
      INFO(mode << " " << c.statement->name << " read " << plan.pages
                << " pages: " << absl::StrJoin(plan.scans, ", ") << "\n"
                << plan.json);
      for (const std::string& scan : plan.scans) {
        CHECK(scan.rfind("Sort", 0) != 0);
        CHECK(scan != "Seq Scan db_servers");
      }
      CHECK(plan.pages <= c.max_pages);
    }
  }
}
