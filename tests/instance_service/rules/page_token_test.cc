#include "instance_service/rules/page_token.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "errors/error_status.h"

namespace dbs::instance {
namespace {

using errors::FieldViolation;
using errors::ReasonOf;
using errors::ViolationsOf;

using namespace std::string_literals;

// Asserts `token` is INVALID_PAGE_TOKEN on field "page_token"; returns the description.
std::string RejectionOf(absl::string_view token, absl::string_view filter = "") {
  auto decoded = DecodePageToken(token, filter);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(decoded.status()) == ::instance::v1::INVALID_PAGE_TOKEN);
  const std::vector<FieldViolation> violations = ViolationsOf(decoded.status());
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].field == "page_token");
  return violations[0].description;
}

TEST_CASE("A token decodes to the display_name it was made from") {
  const std::string token = EncodePageToken("pg-eu-west-1a-01", "state = ACTIVE");
  auto decoded = DecodePageToken(token, "state = ACTIVE");
  REQUIRE(decoded.ok());
  CHECK(*decoded == "pg-eu-west-1a-01");
}

TEST_CASE("A token is URL-safe text that does not show the display_name") {
  const std::string token = EncodePageToken("pg-secret-name", "");
  CHECK(token.find("pg-secret-name") == std::string::npos);
  CHECK(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
      std::string::npos);
}

TEST_CASE("Any UTF-8 display_name round-trips, including empty, long and non-ASCII") {
  for (const std::string& name :
       {""s, "a"s, "pool\tlegacy"s, std::string(300, 'x'), "\xE4\xB8\xAD-\xF0\x9F\x98\x80"s}) {
    auto decoded = DecodePageToken(EncodePageToken(name, "f"), "f");
    REQUIRE(decoded.ok());
    CHECK(*decoded == name);
  }
}

// The checksum has no key, so anyone can mint a well-formed token around any
// bytes. Before this check such a name reached PostgreSQL, which refused it
// (SQLSTATE 22021): INTERNAL and an ERROR log line per call.
TEST_CASE("A forged token whose name is not valid UTF-8 or holds control bytes is rejected") {
  // The token from the bug report: version 1, the empty filter, the name "\xff".
  CHECK_THAT(RejectionOf("AVdGVuiN-vLL_zvJQna-wydi"), Catch::Contains("forged"));
  for (const std::string& name : {"\xff"s, "x\0y"s, "\xC0\x80"s, "\xED\xA0\x80"s, "a\x01"s,
                                  "a\x7f"s, "\xC2\x85"s, std::string(300, '\xff')}) {
    INFO(absl::CHexEscape(name));
    CHECK_THAT(RejectionOf(EncodePageToken(name, "f"), "f"), Catch::Contains("forged"));
  }
}

TEST_CASE("A token used with another filter is rejected") {
  const std::string token = EncodePageToken("pg-1", "state = ACTIVE");
  CHECK_THAT(RejectionOf(token, "state = FAILED"), Catch::Contains("different filter"));
  CHECK_THAT(RejectionOf(token, ""), Catch::Contains("different filter"));
}

TEST_CASE("A token with any altered character is rejected") {
  const std::string token = EncodePageToken("pg-eu-west-1a-01", "");
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    auto decoded = DecodePageToken(altered, "");
    CHECK_FALSE(decoded.ok());
    if (!decoded.ok()) CHECK(ReasonOf(decoded.status()) == ::instance::v1::INVALID_PAGE_TOKEN);
  }
}

TEST_CASE("A truncated or extended token is rejected") {
  const std::string token = EncodePageToken("pg-eu-west-1a-01", "");
  for (size_t length = 0; length < token.size(); ++length) {
    CHECK_FALSE(DecodePageToken(token.substr(0, length), "").ok());
  }
  CHECK_FALSE(DecodePageToken(token + "AA", "").ok());
}

TEST_CASE("Text that is not base64url is rejected") {
  CHECK_THAT(RejectionOf("not a token!"), Catch::Contains("not a page token"));
  CHECK_THAT(RejectionOf("\0\0\0\0"s), Catch::Contains("not a page token"));
  CHECK_THAT(RejectionOf("\xff\xfe"), Catch::Contains("not a page token"));
}

TEST_CASE("Valid base64url of a foreign payload is rejected as altered") {
  const std::string foreign = absl::WebSafeBase64Escape("this is not our payload at all");
  CHECK_THAT(RejectionOf(foreign), Catch::Contains("altered"));
}

TEST_CASE("An oversized token is rejected without decoding it") {
  CHECK_THAT(RejectionOf(std::string(100000, 'A')), Catch::Contains("at most 2048"));
}

TEST_CASE("Tokens are deterministic so any replica can decode them") {
  CHECK(EncodePageToken("pg-1", "health = HEALTHY") == EncodePageToken("pg-1", "health = HEALTHY"));
}

}  // namespace
}  // namespace dbs::instance
