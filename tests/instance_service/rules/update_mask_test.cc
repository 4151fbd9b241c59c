#include "instance_service/rules/update_mask.h"

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

using ::instance::v1::DbServer;
using ::instance::v1::UpdateDbServerRequest;

constexpr char kUuid[] = "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f";
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

UpdateDbServerRequest RequestWithMask(std::vector<std::string> paths) {
  UpdateDbServerRequest request;
  request.mutable_db_server()->set_id(kUuid);
  for (std::string& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
  return request;
}

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& violation : ViolationsOf(status)) fields.push_back(violation.field);
  return fields;
}

TEST_CASE("A missing or empty mask is rejected on update_mask") {
  UpdateDbServerRequest request = RequestWithMask({});
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE_FALSE(changes.ok());
  CHECK(changes.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(changes.status()) == ::instance::v1::INVALID_UPDATE_MASK);
  CHECK(FieldsOf(changes.status()) == std::vector<std::string>{"update_mask"});
}

TEST_CASE("Unknown, immutable, wildcard and sub-paths are each named by index") {
  UpdateDbServerRequest request = RequestWithMask(
      {"port", "id", "bogus", "instance_count", "*", "display_name", "labels.region", ""});
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE_FALSE(changes.ok());
  CHECK(ReasonOf(changes.status()) == ::instance::v1::INVALID_UPDATE_MASK);
  const std::vector<FieldViolation> violations = ViolationsOf(changes.status());
  REQUIRE(violations.size() == 7);
  CHECK(violations[0].field == "update_mask.paths[1]");
  CHECK_THAT(violations[0].description, Catch::Contains("\"id\" is not mutable"));
  CHECK(violations[1].field == "update_mask.paths[2]");
  CHECK_THAT(violations[1].description, Catch::Contains("\"bogus\" is not a field"));
  CHECK(violations[2].field == "update_mask.paths[3]");
  CHECK_THAT(violations[2].description, Catch::Contains("\"instance_count\" is not mutable"));
  CHECK(violations[3].field == "update_mask.paths[4]");
  CHECK_THAT(violations[3].description, Catch::Contains("wildcard"));
  CHECK(violations[4].field == "update_mask.paths[5]");
  CHECK(violations[5].field == "update_mask.paths[6]");
  CHECK_THAT(violations[5].description, Catch::Contains("sub-path"));
  CHECK(violations[6].field == "update_mask.paths[7]");
}

TEST_CASE("Mask paths with control bytes are echoed escaped") {
  UpdateDbServerRequest request = RequestWithMask({std::string("po\0rt\xff", 6)});
  absl::Status status = CheckUpdateMask(request.update_mask());
  REQUIRE(ViolationsOf(status).size() == 1);
  CHECK_THAT(ViolationsOf(status)[0].description, Catch::Contains("po\\x00rt\\xff"));
}

TEST_CASE("More than 64 mask paths are rejected as one violation") {
  std::vector<std::string> paths(65, "port");
  absl::Status status = CheckUpdateMask(RequestWithMask(paths).update_mask());
  CHECK(ReasonOf(status) == ::instance::v1::INVALID_UPDATE_MASK);
  CHECK(FieldsOf(status) == std::vector<std::string>{"update_mask"});
}

TEST_CASE("Only the masked fields are in the changes") {
  UpdateDbServerRequest request = RequestWithMask({"port", "state"});
  request.mutable_db_server()->set_port(6432);
  request.mutable_db_server()->set_state(DbServer::STATE_ACTIVE);
  request.mutable_db_server()->set_host("ignored.example");
  request.mutable_db_server()->set_max_instances(-5);  // not masked: not checked either
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE(changes.ok());
  CHECK(changes->port == 6432);
  CHECK(changes->state == DbServerState::kActive);
  CHECK_FALSE(changes->host.has_value());
  CHECK_FALSE(changes->max_instances.has_value());
  CHECK_FALSE(changes->health.has_value());
  CHECK_FALSE(changes->health_message.has_value());
  CHECK_FALSE(changes->last_health_check_time.has_value());
  CHECK_FALSE(changes->labels.has_value());
}

TEST_CASE("Every mutable path can be set at once and duplicates are fine") {
  UpdateDbServerRequest request =
      RequestWithMask({"state", "health", "health_message", "last_health_check_time",
                       "max_instances", "host", "port", "labels", "port", "labels"});
  DbServer* db_server = request.mutable_db_server();
  db_server->set_state(DbServer::STATE_FAILED);
  db_server->set_health(DbServer::HEALTH_UNHEALTHY);
  db_server->set_health_message("connection refused");
  db_server->mutable_last_health_check_time()->set_seconds(1800000000 - 5);
  db_server->mutable_last_health_check_time()->set_nanos(250000000);
  db_server->set_max_instances(10);
  db_server->set_host("10.1.2.3");
  db_server->set_port(5433);
  (*db_server->mutable_labels())["zone"] = "b";
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE(changes.ok());
  CHECK(changes->state == DbServerState::kFailed);
  CHECK(changes->health == DbServerHealth::kUnhealthy);
  CHECK(changes->health_message == "connection refused");
  REQUIRE(changes->last_health_check_time.has_value());
  CHECK(*changes->last_health_check_time ==
        absl::FromUnixSeconds(1800000000 - 5) + absl::Milliseconds(250));
  CHECK(changes->max_instances == 10);
  CHECK(changes->host == "10.1.2.3");
  CHECK(changes->port == 5433);
  REQUIRE(changes->labels.has_value());
  CHECK(*changes->labels == std::map<std::string, std::string>{{"zone", "b"}});
}

TEST_CASE("A masked but unset last_health_check_time clears it") {
  UpdateDbServerRequest request = RequestWithMask({"last_health_check_time"});
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE(changes.ok());
  REQUIRE(changes->last_health_check_time.has_value());
  CHECK_FALSE(changes->last_health_check_time->has_value());
}

TEST_CASE("Masked labels with no entries clear the map") {
  auto changes = ChangesFromUpdateRequest(RequestWithMask({"labels"}), kNow);
  REQUIRE(changes.ok());
  REQUIRE(changes->labels.has_value());
  CHECK(changes->labels->empty());
}

TEST_CASE("UNSPECIFIED and unknown enum values are invalid update values") {
  UpdateDbServerRequest request = RequestWithMask({"state", "health"});
  auto unspecified = ChangesFromUpdateRequest(request, kNow);
  REQUIRE_FALSE(unspecified.ok());
  CHECK(ReasonOf(unspecified.status()) == ::instance::v1::INVALID_FIELD);
  CHECK(FieldsOf(unspecified.status()) ==
        std::vector<std::string>{"db_server.state", "db_server.health"});

  request.mutable_db_server()->set_state(static_cast<DbServer::State>(99));
  request.mutable_db_server()->set_health(static_cast<DbServer::Health>(99));
  auto unknown = ChangesFromUpdateRequest(request, kNow);
  REQUIRE_FALSE(unknown.ok());
  CHECK(FieldsOf(unknown.status()) ==
        std::vector<std::string>{"db_server.state", "db_server.health"});
}

TEST_CASE("Masked values follow the create rules and all violations are listed") {
  UpdateDbServerRequest request = RequestWithMask(
      {"port", "host", "max_instances", "labels", "health_message", "last_health_check_time"});
  DbServer* db_server = request.mutable_db_server();
  db_server->set_port(70000);
  db_server->set_host("");
  db_server->set_max_instances(0);
  (*db_server->mutable_labels())["Bad"] = "x";
  db_server->set_health_message(std::string(2000, 'm'));
  db_server->mutable_last_health_check_time()->set_seconds(1800000000 + 3600);
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE_FALSE(changes.ok());
  CHECK(ReasonOf(changes.status()) == ::instance::v1::INVALID_FIELD);
  CHECK(FieldsOf(changes.status()) ==
        std::vector<std::string>{"db_server.port", "db_server.host", "db_server.max_instances",
                                 "db_server.labels[\"Bad\"]", "db_server.health_message",
                                 "db_server.last_health_check_time"});
}

TEST_CASE("Bad id, etag and request_id are reported with bad values in one error") {
  UpdateDbServerRequest request = RequestWithMask({"port"});
  request.mutable_db_server()->set_id("not-a-uuid");
  request.mutable_db_server()->set_etag("abc");
  request.mutable_db_server()->set_port(0);
  request.set_request_id("nope");
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE_FALSE(changes.ok());
  CHECK(ReasonOf(changes.status()) == ::instance::v1::INVALID_FIELD);
  CHECK(FieldsOf(changes.status()) ==
        std::vector<std::string>{"db_server.id", "db_server.etag", "request_id", "db_server.port"});
}

TEST_CASE("A bad mask is reported before bad values") {
  UpdateDbServerRequest request = RequestWithMask({"port", "display_name"});
  request.mutable_db_server()->set_port(0);
  auto changes = ChangesFromUpdateRequest(request, kNow);
  REQUIRE_FALSE(changes.ok());
  CHECK(ReasonOf(changes.status()) == ::instance::v1::INVALID_UPDATE_MASK);
  CHECK(FieldsOf(changes.status()) == std::vector<std::string>{"update_mask.paths[1]"});
}

}  // namespace
}  // namespace dbs::instance
