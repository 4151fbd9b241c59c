#include "instance_service/rules/request_validation.h"

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

using ::instance::v1::AllocateDbServerRequest;
using ::instance::v1::CreateDbServerRequest;
using ::instance::v1::DbServer;
using ::instance::v1::DecrementInstanceCountRequest;
using ::instance::v1::DeleteDbServerRequest;
using ::instance::v1::FindAvailableDbServerRequest;
using ::instance::v1::GetDbServerRequest;
using ::instance::v1::IncrementInstanceCountRequest;
using ::instance::v1::ListDbServersRequest;
using ::instance::v1::UpdateDbServerRequest;
using namespace std::string_literals;

constexpr char kUuid[] = "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f";

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& violation : ViolationsOf(status)) fields.push_back(violation.field);
  return fields;
}

std::string DescriptionOf(const absl::Status& status, absl::string_view field) {
  for (const FieldViolation& violation : ViolationsOf(status)) {
    if (violation.field == field) return violation.description;
  }
  return "";
}

// Asserts INVALID_FIELD and returns the violated field paths in order.
std::vector<std::string> InvalidFields(const absl::Status& status) {
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(status) == ::instance::v1::INVALID_FIELD);
  return FieldsOf(status);
}

CreateDbServerRequest ValidCreate() {
  CreateDbServerRequest request;
  DbServer* db_server = request.mutable_db_server();
  db_server->set_display_name("pg-eu-west-1a-01");
  db_server->set_host("pg1.eu-west-1.internal");
  db_server->set_port(5432);
  db_server->set_server_type("postgres");
  db_server->set_max_instances(100);
  (*db_server->mutable_labels())["region"] = "eu-west-1";
  request.set_request_id(kUuid);
  return request;
}

TEST_CASE("A complete create request is valid") {
  CHECK(ValidateCreateDbServerRequest(ValidCreate()).ok());
}

TEST_CASE("Create accepts STATE_PROVISIONING and ignores output-only fields") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_state(DbServer::STATE_PROVISIONING);
  request.mutable_db_server()->set_id("not-a-uuid");
  request.mutable_db_server()->set_instance_count(-5);
  request.mutable_db_server()->set_etag("garbage");
  CHECK(ValidateCreateDbServerRequest(request).ok());
}

TEST_CASE("Create without db_server names db_server") {
  CreateDbServerRequest request;
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server"});
}

TEST_CASE("An empty db_server lists every required field") {
  CreateDbServerRequest request;
  request.mutable_db_server();
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.display_name", "db_server.host", "db_server.port",
                                 "db_server.server_type", "db_server.max_instances"});
}

TEST_CASE("Port 0 and 70000 are rejected naming db_server.port and the value") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_port(70000);
  absl::Status status = ValidateCreateDbServerRequest(request);
  CHECK(InvalidFields(status) == std::vector<std::string>{"db_server.port"});
  CHECK(DescriptionOf(status, "db_server.port") == "must be between 1 and 65535, got 70000");
  request.mutable_db_server()->set_port(0);
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.port"});
  request.mutable_db_server()->set_port(65535);
  CHECK(ValidateCreateDbServerRequest(request).ok());
}

TEST_CASE("Every violation of a request is reported, not just the first") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_display_name("Bad_Name");
  request.mutable_db_server()->set_port(-1);
  request.mutable_db_server()->set_max_instances(0);
  request.set_request_id("nope");
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.display_name", "db_server.port",
                                 "db_server.max_instances", "request_id"});
}

TEST_CASE("display_name must be an RFC 1123 label of at most 63 characters") {
  for (const std::string& name :
       {"-pg"s, "pg-"s, "PG"s, "pg_1"s, "pg.1"s, std::string(64, 'a'), "p\0g"s, "caf\xC3\xA9"s}) {
    CreateDbServerRequest request = ValidCreate();
    request.mutable_db_server()->set_display_name(name);
    CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
          std::vector<std::string>{"db_server.display_name"});
  }
  for (const std::string& name : {"a"s, "1"s, "pg-1"s, std::string(63, 'a')}) {
    CreateDbServerRequest request = ValidCreate();
    request.mutable_db_server()->set_display_name(name);
    CHECK(ValidateCreateDbServerRequest(request).ok());
  }
}

TEST_CASE("Descriptions echo user input escaped and truncated") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_display_name("\xff\x01" + std::string(10000, 'x'));
  const std::string description =
      DescriptionOf(ValidateCreateDbServerRequest(request), "db_server.display_name");
  CHECK_THAT(description, Catch::Contains("\\xff\\x01xxx"));
  CHECK_THAT(description, Catch::EndsWith("\"..."));
  CHECK(description.size() < 400);
}

TEST_CASE("Host accepts host names and IP literals") {
  for (const char* host : {"localhost", "pg1.eu-west-1.internal", "Db-1.Example.COM", "10.0.0.1",
                           "::1", "2001:db8::8a2e:370:7334", "::ffff:10.0.0.1"}) {
    CreateDbServerRequest request = ValidCreate();
    request.mutable_db_server()->set_host(host);
    INFO(host);
    CHECK(ValidateCreateDbServerRequest(request).ok());
  }
}

TEST_CASE("Host rejects malformed names, addresses and oversized text") {
  for (const std::string& host :
       {"-db"s, "db-"s, "db..example"s, ".db"s, "db."s, "db_1"s, "300.1.1.1"s, "1.2.3"s, "[::1]"s,
        "::1::2"s, "db 1"s, "::1\0junk"s, "10.0.0.1\0"s, std::string(64, 'a'),
        std::string(254, 'a'), "http://db"s, "db:5432"s}) {
    CreateDbServerRequest request = ValidCreate();
    request.mutable_db_server()->set_host(host);
    INFO(host);
    CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
          std::vector<std::string>{"db_server.host"});
  }
}

TEST_CASE("A 253-character host name of valid labels is accepted") {
  std::string host;
  while (host.size() + 64 <= 253) absl::StrAppend(&host, std::string(63, 'a'), ".");
  host.append(std::string(253 - host.size(), 'b'));
  REQUIRE(host.size() == 253);
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_host(host);
  CHECK(ValidateCreateDbServerRequest(request).ok());
}

TEST_CASE("server_type must match the documented pattern") {
  for (const std::string& type : {"Postgres"s, "1pg"s, "pg sql"s, std::string(33, 'a'), "_pg"s}) {
    CreateDbServerRequest request = ValidCreate();
    request.mutable_db_server()->set_server_type(type);
    CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
          std::vector<std::string>{"db_server.server_type"});
  }
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_server_type("a" + std::string(31, '_'));
  CHECK(ValidateCreateDbServerRequest(request).ok());
}

TEST_CASE("max_instances must be between 1 and 1000000") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_max_instances(1000001);
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.max_instances"});
  request.mutable_db_server()->set_max_instances(-1);
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.max_instances"});
  request.mutable_db_server()->set_max_instances(1000000);
  CHECK(ValidateCreateDbServerRequest(request).ok());
}

TEST_CASE("Bad label keys and values are each named by their key") {
  CreateDbServerRequest request = ValidCreate();
  auto& labels = *request.mutable_db_server()->mutable_labels();
  labels["Zone"] = "a";
  labels["tier"] = "Gold";
  labels["ok"] = "";
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.labels[\"Zone\"]", "db_server.labels[\"tier\"]"});
}

TEST_CASE("A label value of 64 characters is rejected") {
  CreateDbServerRequest request = ValidCreate();
  (*request.mutable_db_server()->mutable_labels())["region"] = std::string(64, 'a');
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.labels[\"region\"]"});
}

TEST_CASE("More than 64 labels are rejected as one violation on the map") {
  CreateDbServerRequest request = ValidCreate();
  auto& labels = *request.mutable_db_server()->mutable_labels();
  for (int i = 0; i < 65; ++i) labels[absl::StrCat("k", i)] = "v";
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.labels"});
}

TEST_CASE("Create rejects states other than PROVISIONING and any health") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_state(DbServer::STATE_ACTIVE);
  request.mutable_db_server()->set_health(DbServer::HEALTH_HEALTHY);
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.state", "db_server.health"});
}

TEST_CASE("Create rejects enum values outside the enum") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_state(static_cast<DbServer::State>(42));
  request.mutable_db_server()->set_health(static_cast<DbServer::Health>(-3));
  absl::Status status = ValidateCreateDbServerRequest(request);
  CHECK(InvalidFields(status) == std::vector<std::string>{"db_server.state", "db_server.health"});
  CHECK_THAT(DescriptionOf(status, "db_server.state"), Catch::Contains("unknown value 42"));
}

TEST_CASE("Create rejects health fields that only monitoring writes") {
  CreateDbServerRequest request = ValidCreate();
  request.mutable_db_server()->set_health_message("fine");
  request.mutable_db_server()->mutable_last_health_check_time()->set_seconds(1);
  CHECK(InvalidFields(ValidateCreateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.health_message", "db_server.last_health_check_time"});
}

TEST_CASE("Ids must be canonical lowercase UUIDs") {
  for (const std::string& id :
       {""s, "x"s, "0B7F2C2E-4C1A-4D8E-9F00-5A6B7C8D9E0F"s, "0b7f2c2e4c1a4d8e9f005a6b7c8d9e0f"s,
        "{0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f}"s, "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0g"s,
        "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0\0"s, std::string(100000, 'a')}) {
    GetDbServerRequest request;
    request.set_id(id);
    CHECK(InvalidFields(ValidateGetDbServerRequest(request)) == std::vector<std::string>{"id"});
  }
  GetDbServerRequest request;
  request.set_id(kUuid);
  CHECK(ValidateGetDbServerRequest(request).ok());
}

TEST_CASE("A negative page_size is rejected and zero is the default") {
  ListDbServersRequest request;
  request.set_page_size(-1);
  CHECK(InvalidFields(ValidateListDbServersRequest(request)) ==
        std::vector<std::string>{"page_size"});
  request.set_page_size(0);
  CHECK(ValidateListDbServersRequest(request).ok());
  request.set_page_size(1000000);
  CHECK(ValidateListDbServersRequest(request).ok());
}

TEST_CASE("EffectivePageSize defaults to 50 and caps at 1000") {
  CHECK(EffectivePageSize(0) == 50);
  CHECK(EffectivePageSize(-7) == 50);
  CHECK(EffectivePageSize(1) == 1);
  CHECK(EffectivePageSize(1000) == 1000);
  CHECK(EffectivePageSize(1001) == 1000);
  CHECK(EffectivePageSize(INT32_MAX) == 1000);
}

TEST_CASE("Update needs db_server with a UUID id and checks etag and request_id") {
  UpdateDbServerRequest request;
  CHECK(InvalidFields(ValidateUpdateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server"});
  request.mutable_db_server()->set_id("nope");
  request.mutable_db_server()->set_etag("W/\"1\"");
  request.set_request_id("nope");
  CHECK(InvalidFields(ValidateUpdateDbServerRequest(request)) ==
        std::vector<std::string>{"db_server.id", "db_server.etag", "request_id"});
  request.mutable_db_server()->set_id(kUuid);
  request.mutable_db_server()->set_etag("12");
  request.set_request_id(kUuid);
  CHECK(ValidateUpdateDbServerRequest(request).ok());
}

TEST_CASE("Delete checks id, etag and request_id") {
  DeleteDbServerRequest request;
  request.set_etag("-1");
  request.set_request_id("x");
  CHECK(InvalidFields(ValidateDeleteDbServerRequest(request)) ==
        std::vector<std::string>{"id", "etag", "request_id"});
  request.set_id(kUuid);
  request.clear_etag();
  request.clear_request_id();
  CHECK(ValidateDeleteDbServerRequest(request).ok());
}

TEST_CASE("Increment and Decrement check id and request_id") {
  IncrementInstanceCountRequest increment;
  increment.set_request_id("not-a-uuid");
  CHECK(InvalidFields(ValidateIncrementInstanceCountRequest(increment)) ==
        std::vector<std::string>{"id", "request_id"});
  increment.set_id(kUuid);
  increment.set_request_id(kUuid);
  CHECK(ValidateIncrementInstanceCountRequest(increment).ok());

  DecrementInstanceCountRequest decrement;
  decrement.set_id("1");
  CHECK(InvalidFields(ValidateDecrementInstanceCountRequest(decrement)) ==
        std::vector<std::string>{"id"});
  decrement.set_id(kUuid);
  CHECK(ValidateDecrementInstanceCountRequest(decrement).ok());
}

TEST_CASE("Find and Allocate check server_type, Allocate also request_id") {
  FindAvailableDbServerRequest find;
  CHECK(InvalidFields(ValidateFindAvailableDbServerRequest(find)) ==
        std::vector<std::string>{"server_type"});
  find.set_server_type("postgres");
  CHECK(ValidateFindAvailableDbServerRequest(find).ok());

  AllocateDbServerRequest allocate;
  allocate.set_server_type("Postgres");
  allocate.set_request_id("r1");
  CHECK(InvalidFields(ValidateAllocateDbServerRequest(allocate)) ==
        std::vector<std::string>{"server_type", "request_id"});
  allocate.set_server_type("postgres");
  allocate.set_request_id(kUuid);
  CHECK(ValidateAllocateDbServerRequest(allocate).ok());
}

TEST_CASE("ParseEtag reads the decimal version") {
  auto version = ParseEtag("42", "etag");
  REQUIRE(version.ok());
  CHECK(*version == 42);
  auto largest = ParseEtag("9223372036854775807", "etag");
  REQUIRE(largest.ok());
  CHECK(*largest == INT64_MAX);
}

TEST_CASE("ParseEtag rejects garbage naming the given field") {
  for (const std::string& etag :
       {"0"s, "-1"s, "+1"s, "01"s, " 1"s, "1 "s, "1.0"s, "abc"s, "9223372036854775808"s,
        "99999999999999999999"s, "1\0"s, "\"1\""s}) {
    auto version = ParseEtag(etag, "db_server.etag");
    REQUIRE_FALSE(version.ok());
    CHECK(InvalidFields(version.status()) == std::vector<std::string>{"db_server.etag"});
  }
}

TEST_CASE("Health messages are limited to 1024 characters of clean UTF-8") {
  std::vector<FieldViolation> violations;
  CheckHealthMessage(std::string(1024, 'x'), "m", &violations);
  CheckHealthMessage("line one\nline two\ttabbed\r\n", "m", &violations);
  // 1024 two-byte characters are 2048 bytes but within the limit.
  std::string accented;
  for (int i = 0; i < 1024; ++i) accented += "\xC3\xA9";
  CheckHealthMessage(accented, "m", &violations);
  CHECK(violations.empty());

  CheckHealthMessage(std::string(1025, 'x'), "too_long", &violations);
  CheckHealthMessage("bad \xff utf8", "not_utf8", &violations);
  CheckHealthMessage("nul \0 inside"s, "control", &violations);
  std::vector<std::string> fields;
  for (const FieldViolation& violation : violations) fields.push_back(violation.field);
  CHECK(fields == std::vector<std::string>{"too_long", "not_utf8", "control"});
}

TEST_CASE("Health check times may be at most a minute in the future") {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  google::protobuf::Timestamp time;
  std::vector<FieldViolation> violations;
  time.set_seconds(1800000000 + 60);
  CheckHealthCheckTime(time, now, "ok", &violations);
  time.set_seconds(0);
  CheckHealthCheckTime(time, now, "ok", &violations);
  CHECK(violations.empty());

  time.set_seconds(1800000000 + 61);
  CheckHealthCheckTime(time, now, "future", &violations);
  time.set_seconds(1);
  time.set_nanos(-1);
  CheckHealthCheckTime(time, now, "negative_nanos", &violations);
  time.set_nanos(1000000000);
  CheckHealthCheckTime(time, now, "big_nanos", &violations);
  time.set_nanos(0);
  time.set_seconds(INT64_MIN);
  CheckHealthCheckTime(time, now, "too_early", &violations);
  time.set_seconds(INT64_MAX);
  CheckHealthCheckTime(time, now, "too_late", &violations);
  std::vector<std::string> fields;
  for (const FieldViolation& violation : violations) fields.push_back(violation.field);
  CHECK(fields ==
        std::vector<std::string>{"future", "negative_nanos", "big_nanos", "too_early", "too_late"});
}

}  // namespace
}  // namespace dbs::instance
