// The text forms crossing the SQL boundary: arrays, enums, UUIDs.
#include <catch2/catch.hpp>

#include "identity/uuid.h"
#include "instance_service/repository/db_server_row_codec.h"

using namespace dbs::instance;

TEST_CASE("text[] literals round-trip through the parser, quotes and backslashes included") {
  const std::vector<std::string> values = {"plain",       "",     "a,b",     "{x}", "q\"uote",
                                           "back\\slash", "NULL", " spaced "};
  auto parsed = ParseTextArray(ToTextArrayLiteral(values));
  REQUIRE(parsed.ok());
  CHECK(*parsed == values);
  CHECK(ToTextArrayLiteral({}) == "{}");
}

TEST_CASE("PostgreSQL's array output parses, unquoted and quoted") {
  auto parsed = ParseTextArray(R"({region,"eu west","a\"b",z})");
  REQUIRE(parsed.ok());
  CHECK(*parsed == std::vector<std::string>{"region", "eu west", "a\"b", "z"});
  CHECK(ParseTextArray("{}")->empty());
  CHECK_FALSE(ParseTextArray("{NULL}").ok());
  CHECK_FALSE(ParseTextArray("{\"open}").ok());
  CHECK_FALSE(ParseTextArray("nope").ok());
}

TEST_CASE("states and healths map to their column text and back") {
  for (DbServerState state :
       {DbServerState::kProvisioning, DbServerState::kActive, DbServerState::kDraining,
        DbServerState::kMaintenance, DbServerState::kFailed}) {
    CHECK(StateFromText(StateToText(state)) == state);
  }
  for (DbServerHealth health : {DbServerHealth::kUnknown, DbServerHealth::kHealthy,
                                DbServerHealth::kDegraded, DbServerHealth::kUnhealthy}) {
    CHECK(HealthFromText(HealthToText(health)) == health);
  }
  CHECK_FALSE(StateFromText("active").has_value());
}

TEST_CASE("identity::IsUuid accepts only the canonical form") {
  CHECK(dbs::identity::IsUuid("aaaaaaaa-0000-4000-8000-00000000000F"));
  CHECK_FALSE(dbs::identity::IsUuid("aaaaaaaa00004000800000000000000f"));
  CHECK_FALSE(dbs::identity::IsUuid("aaaaaaaa-0000-4000-8000-00000000000g"));
  CHECK_FALSE(dbs::identity::IsUuid("x' OR 1=1 --"));
}
