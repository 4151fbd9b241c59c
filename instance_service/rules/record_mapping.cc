#include "instance_service/rules/record_mapping.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace dbs::instance {
namespace {

using ::instance::v1::DbServer;

// The range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

}  // namespace

DbServer ToProto(const DbServerRecord& record) {
  DbServer db_server;
  db_server.set_id(record.id);
  db_server.set_display_name(record.display_name);
  db_server.set_host(record.host);
  db_server.set_port(record.port);
  db_server.set_server_type(record.server_type);
  db_server.set_state(ToProto(record.state));
  db_server.set_health(ToProto(record.health));
  db_server.set_health_message(record.health_message);
  if (record.last_health_check_time.has_value()) {
    *db_server.mutable_last_health_check_time() = ToProtoTimestamp(*record.last_health_check_time);
  }
  db_server.set_instance_count(record.instance_count);
  db_server.set_max_instances(record.max_instances);
  db_server.mutable_labels()->insert(record.labels.begin(), record.labels.end());
  *db_server.mutable_create_time() = ToProtoTimestamp(record.create_time);
  *db_server.mutable_update_time() = ToProtoTimestamp(record.update_time);
  db_server.set_etag(EtagOf(record.version));
  return db_server;
}

NewDbServer FromCreateRequest(const DbServer& db_server) {
  NewDbServer created;
  created.display_name = db_server.display_name();
  created.host = db_server.host();
  created.port = db_server.port();
  created.server_type = db_server.server_type();
  created.max_instances = db_server.max_instances();
  created.labels.insert(db_server.labels().begin(), db_server.labels().end());
  return created;
}

std::string EtagOf(int64_t version) { return absl::StrCat(version); }

DbServer::State ToProto(PoolState state) {
  switch (state) {
    case PoolState::kProvisioning:
      return DbServer::STATE_PROVISIONING;
    case PoolState::kActive:
      return DbServer::STATE_ACTIVE;
    case PoolState::kDraining:
      return DbServer::STATE_DRAINING;
    case PoolState::kMaintenance:
      return DbServer::STATE_MAINTENANCE;
    case PoolState::kFailed:
      return DbServer::STATE_FAILED;
  }
  return DbServer::STATE_UNSPECIFIED;
}

DbServer::Health ToProto(PoolHealth health) {
  switch (health) {
    case PoolHealth::kUnknown:
      return DbServer::HEALTH_UNSPECIFIED;
    case PoolHealth::kHealthy:
      return DbServer::HEALTH_HEALTHY;
    case PoolHealth::kDegraded:
      return DbServer::HEALTH_DEGRADED;
    case PoolHealth::kUnhealthy:
      return DbServer::HEALTH_UNHEALTHY;
  }
  return DbServer::HEALTH_UNSPECIFIED;
}

PoolState FromProto(DbServer::State state) {
  switch (state) {
    case DbServer::STATE_ACTIVE:
      return PoolState::kActive;
    case DbServer::STATE_DRAINING:
      return PoolState::kDraining;
    case DbServer::STATE_MAINTENANCE:
      return PoolState::kMaintenance;
    case DbServer::STATE_FAILED:
      return PoolState::kFailed;
    default:
      return PoolState::kProvisioning;
  }
}

PoolHealth FromProto(DbServer::Health health) {
  switch (health) {
    case DbServer::HEALTH_HEALTHY:
      return PoolHealth::kHealthy;
    case DbServer::HEALTH_DEGRADED:
      return PoolHealth::kDegraded;
    case DbServer::HEALTH_UNHEALTHY:
      return PoolHealth::kUnhealthy;
    default:
      return PoolHealth::kUnknown;
  }
}

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  // ToUnixSeconds rounds towards the infinite past, so nanos is never negative.
  const int64_t seconds = absl::ToUnixSeconds(time);
  if (seconds < kMinTimestampSeconds) {
    timestamp.set_seconds(kMinTimestampSeconds);
    return timestamp;
  }
  if (seconds > kMaxTimestampSeconds) {
    timestamp.set_seconds(kMaxTimestampSeconds);
    timestamp.set_nanos(999999999);
    return timestamp;
  }
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return timestamp;
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

}  // namespace dbs::instance
