#include "instance_service/rules/filter_parser.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "errors/error_status.h"

namespace dbs::instance {
namespace {

using errors::FieldViolation;
using errors::ReasonOf;
using errors::ViolationsOf;

using namespace std::string_literals;

// Asserts `filter` is INVALID_FILTER on field "filter" and returns the description.
std::string RejectionOf(absl::string_view filter) {
  auto terms = ParseFilter(filter);
  REQUIRE_FALSE(terms.ok());
  CHECK(terms.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(terms.status()) == ::instance::v1::INVALID_FILTER);
  const std::vector<FieldViolation> violations = ViolationsOf(terms.status());
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].field == "filter");
  return violations[0].description;
}

TEST_CASE("An empty or blank filter has no terms") {
  for (const char* filter : {"", "   ", "\t\r\n "}) {
    auto terms = ParseFilter(filter);
    REQUIRE(terms.ok());
    CHECK(terms->empty());
  }
}

TEST_CASE("A single comparison with a bare word parses") {
  auto terms = ParseFilter("server_type = postgres");
  REQUIRE(terms.ok());
  REQUIRE(terms->size() == 1);
  CHECK((*terms)[0].field == FilterField::kServerType);
  CHECK((*terms)[0].value == "postgres");
  CHECK_FALSE((*terms)[0].negated);
}

TEST_CASE("The documented example parses into three terms in order") {
  auto terms = ParseFilter(R"(server_type = "postgres" AND state = ACTIVE AND labels.region = eu)");
  REQUIRE(terms.ok());
  REQUIRE(terms->size() == 3);
  CHECK((*terms)[0].field == FilterField::kServerType);
  CHECK((*terms)[0].value == "postgres");
  CHECK((*terms)[1].field == FilterField::kState);
  CHECK((*terms)[1].state == DbServerState::kActive);
  CHECK((*terms)[2].field == FilterField::kLabel);
  CHECK((*terms)[2].label_key == "region");
  CHECK((*terms)[2].value == "eu");
}

TEST_CASE("Not-equals negates a comparison and needs no spaces") {
  auto terms = ParseFilter("display_name!=pg-eu-1");
  REQUIRE(terms.ok());
  REQUIRE(terms->size() == 1);
  CHECK((*terms)[0].field == FilterField::kDisplayName);
  CHECK((*terms)[0].negated);
  CHECK((*terms)[0].value == "pg-eu-1");
}

TEST_CASE("State accepts prefixed and bare enum names") {
  auto prefixed = ParseFilter("state = STATE_DRAINING");
  auto bare = ParseFilter("state = MAINTENANCE");
  REQUIRE(prefixed.ok());
  REQUIRE(bare.ok());
  CHECK((*prefixed)[0].state == DbServerState::kDraining);
  CHECK((*bare)[0].state == DbServerState::kMaintenance);
}

TEST_CASE("Health accepts prefixed and bare names and UNSPECIFIED means never checked") {
  auto healthy = ParseFilter("health = HEALTH_HEALTHY");
  auto degraded = ParseFilter("health != DEGRADED");
  auto unspecified = ParseFilter("health = UNSPECIFIED");
  auto prefixed_unspecified = ParseFilter("health = HEALTH_UNSPECIFIED");
  REQUIRE(healthy.ok());
  REQUIRE(degraded.ok());
  REQUIRE(unspecified.ok());
  REQUIRE(prefixed_unspecified.ok());
  CHECK((*healthy)[0].health == DbServerHealth::kHealthy);
  CHECK((*degraded)[0].health == DbServerHealth::kDegraded);
  CHECK((*degraded)[0].negated);
  CHECK((*unspecified)[0].health == DbServerHealth::kUnknown);
  CHECK((*prefixed_unspecified)[0].health == DbServerHealth::kUnknown);
}

TEST_CASE("STATE_UNSPECIFIED and unknown states are rejected") {
  CHECK_THAT(RejectionOf("state = STATE_UNSPECIFIED"), Catch::Contains("unknown state"));
  CHECK_THAT(RejectionOf("state = UNSPECIFIED"), Catch::Contains("unknown state"));
  CHECK_THAT(RejectionOf("state = active"), Catch::Contains("position 9"));
  CHECK_THAT(RejectionOf("health = SICK"), Catch::Contains("unknown health"));
}

TEST_CASE("Quoted values take backslash escapes for quote and backslash") {
  auto terms = ParseFilter(R"(display_name = "a \"b\" c\\d")");
  REQUIRE(terms.ok());
  CHECK((*terms)[0].value == R"(a "b" c\d)");
}

TEST_CASE("A quoted value may hold spaces, keywords and UTF-8") {
  auto terms = ParseFilter("labels.tier = \"gold AND silver\" AND display_name = \"caf\xC3\xA9\"");
  REQUIRE(terms.ok());
  REQUIRE(terms->size() == 2);
  CHECK((*terms)[0].value == "gold AND silver");
  CHECK((*terms)[1].value == "caf\xC3\xA9");
}

TEST_CASE("An unknown escape in a quoted value is rejected") {
  CHECK_THAT(RejectionOf(R"(display_name = "a\nb")"), Catch::Contains("unknown escape"));
}

TEST_CASE("A comparison without a value is rejected at the end of the filter") {
  const std::string description = RejectionOf("state = ");
  CHECK_THAT(description, Catch::Contains("position 9"));
  CHECK_THAT(description, Catch::Contains("expected a value"));
  CHECK_THAT(description, Catch::Contains("end of the filter"));
}

TEST_CASE("A field without an operator is rejected") {
  CHECK_THAT(RejectionOf("state"), Catch::Contains("expected = or !="));
  CHECK_THAT(RejectionOf("state ACTIVE"), Catch::Contains("expected = or !="));
}

TEST_CASE("An unknown field is rejected naming the filterable fields") {
  const std::string description = RejectionOf("foo = bar");
  CHECK_THAT(description, Catch::Contains("position 1"));
  CHECK_THAT(description, Catch::Contains("unknown field \"foo\""));
  CHECK_THAT(description, Catch::Contains("server_type"));
}

TEST_CASE("Fields that exist on DbServer but are not filterable are rejected") {
  CHECK_THAT(RejectionOf("host = db1"), Catch::Contains("unknown field"));
  CHECK_THAT(RejectionOf("port = 5432"), Catch::Contains("unknown field"));
}

TEST_CASE("An unterminated string is rejected at its opening quote") {
  const std::string description = RejectionOf(R"(display_name = "unterminated)");
  CHECK_THAT(description, Catch::Contains("position 16"));
  CHECK_THAT(description, Catch::Contains("unterminated string"));
  CHECK_THAT(RejectionOf(R"(display_name = "ends in backslash\)"),
             Catch::Contains("unterminated string"));
}

TEST_CASE("A label comparison needs a valid key") {
  CHECK_THAT(RejectionOf("labels. = x"), Catch::Contains("expected a label key"));
  CHECK_THAT(RejectionOf("labels.Region = x"), Catch::Contains("must match"));
  CHECK_THAT(RejectionOf("labels.a.b = x"), Catch::Contains("must match"));
  CHECK_THAT(RejectionOf("labels = x"), Catch::Contains("labels.KEY"));
}

TEST_CASE("Label keys with digits, underscores and dashes parse") {
  auto terms = ParseFilter("labels.zone_1-a = eu-west-1a");
  REQUIRE(terms.ok());
  CHECK((*terms)[0].label_key == "zone_1-a");
  CHECK((*terms)[0].value == "eu-west-1a");
}

TEST_CASE("OR and NOT are rejected with a message saying so") {
  CHECK_THAT(RejectionOf("state = ACTIVE OR state = FAILED"), Catch::Contains("OR is not"));
  CHECK_THAT(RejectionOf("NOT state = ACTIVE"), Catch::Contains("NOT is not"));
  CHECK_THAT(RejectionOf("-state = ACTIVE"), Catch::Contains("negation"));
}

TEST_CASE("The AND keyword is case-sensitive") {
  CHECK_THAT(RejectionOf("state = ACTIVE and health = HEALTHY"),
             Catch::Contains("keywords are upper case"));
}

TEST_CASE("Unsupported operators and punctuation are rejected with a clear message") {
  CHECK_THAT(RejectionOf("(state = ACTIVE)"), Catch::Contains("parentheses"));
  CHECK_THAT(RejectionOf("labels.region:eu"), Catch::Contains("has operator"));
  CHECK_THAT(RejectionOf("display_name > a"), Catch::Contains("only = and !="));
  CHECK_THAT(RejectionOf("display_name = pg*"), Catch::Contains("wildcards"));
  CHECK_THAT(RejectionOf("display_name = 'x'"), Catch::Contains("double quotes"));
  CHECK_THAT(RejectionOf("state ! ACTIVE"), Catch::Contains("lone \"!\""));
  CHECK_THAT(RejectionOf("state == ACTIVE"), Catch::Contains("expected a value"));
}

TEST_CASE("A dangling or doubled AND is rejected") {
  CHECK_THAT(RejectionOf("state = ACTIVE AND"), Catch::Contains("after AND"));
  CHECK_THAT(RejectionOf("state = ACTIVE AND AND health = HEALTHY"),
             Catch::Contains("keyword AND"));
  CHECK_THAT(RejectionOf("AND state = ACTIVE"), Catch::Contains("keyword AND"));
  CHECK_THAT(RejectionOf("state = ACTIVE health = HEALTHY"), Catch::Contains("expected AND"));
}

TEST_CASE("A keyword is not a bare value but may be quoted") {
  CHECK_THAT(RejectionOf("display_name = AND"), Catch::Contains("quote it"));
  auto terms = ParseFilter(R"(display_name = "AND")");
  REQUIRE(terms.ok());
  CHECK((*terms)[0].value == "AND");
}

TEST_CASE("A filter longer than 1024 characters is rejected") {
  const std::string filter = "display_name = \"" + std::string(2000, 'a') + "\"";
  CHECK_THAT(RejectionOf(filter), Catch::Contains("at most 1024"));
}

TEST_CASE("A filter of exactly 1024 characters parses") {
  const std::string prefix = "display_name = \"";
  const std::string filter = prefix + std::string(1024 - prefix.size() - 1, 'a') + "\"";
  REQUIRE(filter.size() == 1024);
  CHECK(ParseFilter(filter).ok());
}

TEST_CASE("More than 16 comparisons are rejected") {
  std::string filter = "state = ACTIVE";
  for (int i = 1; i < 16; ++i) absl::StrAppend(&filter, " AND state = ACTIVE");
  CHECK(ParseFilter(filter).ok());
  absl::StrAppend(&filter, " AND state = ACTIVE");
  CHECK_THAT(RejectionOf(filter), Catch::Contains("at most 16"));
}

TEST_CASE("NUL bytes and control characters are rejected, escaped in the message") {
  const std::string description = RejectionOf("state = ACTIVE\0 AND"s);
  CHECK_THAT(description, Catch::Contains("position 15"));
  CHECK_THAT(description, Catch::Contains("\\x00"));
  CHECK_THAT(RejectionOf("display_name = \"a\0b\""s), Catch::Contains("control characters"));
  CHECK_THAT(RejectionOf("display_name = \"a\x1b[31mb\""), Catch::Contains("control"));
}

TEST_CASE("Invalid UTF-8 is rejected and never echoed raw") {
  const std::string outside = RejectionOf("display_name = \xff\xfe");
  CHECK_THAT(outside, Catch::Contains("\\xff"));
  CHECK_THAT(RejectionOf("display_name = \"\xc3\x28\""), Catch::Contains("UTF-8"));
  // Overlong encoding of '/' and an encoded surrogate.
  CHECK_THAT(RejectionOf("display_name = \"\xc0\xaf\""), Catch::Contains("UTF-8"));
  CHECK_THAT(RejectionOf("display_name = \"\xed\xa0\x80\""), Catch::Contains("UTF-8"));
}

TEST_CASE("Arbitrary bytes never crash the parser") {
  std::string filter;
  for (int i = 0; i < 1024; ++i) filter.push_back(static_cast<char>((i * 7919) % 256));
  for (size_t length = 0; length <= filter.size(); length += 13) {
    auto terms = ParseFilter(absl::string_view(filter).substr(0, length));
    if (!terms.ok()) CHECK(ReasonOf(terms.status()) == ::instance::v1::INVALID_FILTER);
  }
}

}  // namespace
}  // namespace dbs::instance
