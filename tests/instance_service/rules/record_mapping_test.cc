#include "instance_service/rules/record_mapping.h"

#include <catch2/catch.hpp>
#include <string>

namespace dbs::instance {
namespace {

using ::instance::v1::DbServer;

DbServerRecord SampleRecord() {
  DbServerRecord record;
  record.id = "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f";
  record.display_name = "pg-eu-1";
  record.host = "pg1.internal";
  record.port = 5432;
  record.server_type = "postgres";
  record.state = DbServerState::kActive;
  record.health = DbServerHealth::kDegraded;
  record.health_message = "slow";
  record.last_health_check_time = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123);
  record.instance_count = 3;
  record.max_instances = 10;
  record.labels = {{"region", "eu"}, {"tier", "gold"}};
  record.create_time = absl::FromUnixSeconds(1600000000);
  record.update_time = absl::FromUnixSeconds(1650000000) + absl::Milliseconds(5);
  record.version = 7;
  return record;
}

TEST_CASE("ToProto copies every field of a record") {
  const DbServer db_server = ToProto(SampleRecord());
  CHECK(db_server.id() == "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f");
  CHECK(db_server.display_name() == "pg-eu-1");
  CHECK(db_server.host() == "pg1.internal");
  CHECK(db_server.port() == 5432);
  CHECK(db_server.server_type() == "postgres");
  CHECK(db_server.state() == DbServer::STATE_ACTIVE);
  CHECK(db_server.health() == DbServer::HEALTH_DEGRADED);
  CHECK(db_server.health_message() == "slow");
  CHECK(db_server.last_health_check_time().seconds() == 1700000000);
  CHECK(db_server.last_health_check_time().nanos() == 123);
  CHECK(db_server.instance_count() == 3);
  CHECK(db_server.max_instances() == 10);
  CHECK(db_server.labels().size() == 2);
  CHECK(db_server.labels().at("tier") == "gold");
  CHECK(db_server.create_time().seconds() == 1600000000);
  CHECK(db_server.update_time().nanos() == 5000000);
  CHECK(db_server.etag() == "7");
}

TEST_CASE("A record never health-checked maps to HEALTH_UNSPECIFIED without a check time") {
  DbServerRecord record = SampleRecord();
  record.health = DbServerHealth::kUnknown;
  record.last_health_check_time.reset();
  const DbServer db_server = ToProto(record);
  CHECK(db_server.health() == DbServer::HEALTH_UNSPECIFIED);
  CHECK_FALSE(db_server.has_last_health_check_time());
}

TEST_CASE("FromCreateRequest copies only the fields a new pool stores") {
  DbServer db_server = ToProto(SampleRecord());
  const NewDbServer created = FromCreateRequest(db_server);
  CHECK(created.display_name == "pg-eu-1");
  CHECK(created.host == "pg1.internal");
  CHECK(created.port == 5432);
  CHECK(created.server_type == "postgres");
  CHECK(created.max_instances == 10);
  CHECK(created.labels == std::map<std::string, std::string>{{"region", "eu"}, {"tier", "gold"}});
}

TEST_CASE("State and health enums convert both ways") {
  for (DbServerState state :
       {DbServerState::kProvisioning, DbServerState::kActive, DbServerState::kDraining,
        DbServerState::kMaintenance, DbServerState::kFailed}) {
    CHECK(FromProto(ToProto(state)) == state);
  }
  for (DbServerHealth health : {DbServerHealth::kUnknown, DbServerHealth::kHealthy,
                                DbServerHealth::kDegraded, DbServerHealth::kUnhealthy}) {
    CHECK(FromProto(ToProto(health)) == health);
  }
  CHECK(ToProto(DbServerHealth::kUnknown) == DbServer::HEALTH_UNSPECIFIED);
  CHECK(FromProto(DbServer::HEALTH_UNSPECIFIED) == DbServerHealth::kUnknown);
  CHECK(FromProto(DbServer::STATE_UNSPECIFIED) == DbServerState::kProvisioning);
  CHECK(FromProto(static_cast<DbServer::State>(77)) == DbServerState::kProvisioning);
  CHECK(FromProto(static_cast<DbServer::Health>(77)) == DbServerHealth::kUnknown);
  CHECK(std::string(StateName(DbServerState::kMaintenance)) == "STATE_MAINTENANCE");
}

TEST_CASE("Timestamps before 1970 keep non-negative nanos") {
  const absl::Time time = absl::FromUnixSeconds(-10) + absl::Milliseconds(250);
  const google::protobuf::Timestamp timestamp = ToProtoTimestamp(time);
  CHECK(timestamp.seconds() == -10);
  CHECK(timestamp.nanos() == 250000000);
  CHECK(FromProtoTimestamp(timestamp) == time);
  const google::protobuf::Timestamp negative = ToProtoTimestamp(absl::FromUnixNanos(-1));
  CHECK(negative.seconds() == -1);
  CHECK(negative.nanos() == 999999999);
}

TEST_CASE("Infinite times clamp to the Timestamp range") {
  CHECK(ToProtoTimestamp(absl::InfinitePast()).seconds() == -62135596800);
  const google::protobuf::Timestamp future = ToProtoTimestamp(absl::InfiniteFuture());
  CHECK(future.seconds() == 253402300799);
  CHECK(future.nanos() == 999999999);
}

}  // namespace
}  // namespace dbs::instance
