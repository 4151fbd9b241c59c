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

DbServer::State ToProto(DbServerState state) {
  switch (state) {
    case DbServerState::kProvisioning:
      return DbServer::STATE_PROVISIONING;
    case DbServerState::kActive:
      return DbServer::STATE_ACTIVE;
    case DbServerState::kDraining:
      return DbServer::STATE_DRAINING;
    case DbServerState::kMaintenance:
      return DbServer::STATE_MAINTENANCE;
    case DbServerState::kFailed:
      return DbServer::STATE_FAILED;
  }
  return DbServer::STATE_UNSPECIFIED;
}

DbServer::Health ToProto(DbServerHealth health) {
  switch (health) {
    case DbServerHealth::kUnknown:
      return DbServer::HEALTH_UNSPECIFIED;
    case DbServerHealth::kHealthy:
      return DbServer::HEALTH_HEALTHY;
    case DbServerHealth::kDegraded:
      return DbServer::HEALTH_DEGRADED;
    case DbServerHealth::kUnhealthy:
      return DbServer::HEALTH_UNHEALTHY;
  }
  return DbServer::HEALTH_UNSPECIFIED;
}

DbServerState FromProto(DbServer::State state) {
  switch (state) {
    case DbServer::STATE_ACTIVE:
      return DbServerState::kActive;
    case DbServer::STATE_DRAINING:
      return DbServerState::kDraining;
    case DbServer::STATE_MAINTENANCE:
      return DbServerState::kMaintenance;
    case DbServer::STATE_FAILED:
      return DbServerState::kFailed;
    default:
      return DbServerState::kProvisioning;
  }
}

DbServerHealth FromProto(DbServer::Health health) {
  switch (health) {
    case DbServer::HEALTH_HEALTHY:
      return DbServerHealth::kHealthy;
    case DbServer::HEALTH_DEGRADED:
      return DbServerHealth::kDegraded;
    case DbServer::HEALTH_UNHEALTHY:
      return DbServerHealth::kUnhealthy;
    default:
      return DbServerHealth::kUnknown;
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
