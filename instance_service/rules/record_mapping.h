#ifndef INSTANCE_SERVICE_RULES_RECORD_MAPPING_H_
#define INSTANCE_SERVICE_RULES_RECORD_MAPPING_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "instance/v1/db_servers.pb.h"
#include "instance_service/repository/db_server_record.h"

namespace dbs::instance {

// Conversions between the repository's records (db_server_record.h) and the
// instance.v1 messages. Pure functions; they never fail and never validate: callers
// validate requests first (request_validation.h), and records come from the table,
// whose CHECKs keep them valid.

// The wire form of a row: every field, `etag` = EtagOf(record.version).
// `last_health_check_time` is set only when the record has one.
::instance::v1::DbServer ToProto(const DbServerRecord& record);

// The fields CreateDbServer stores, copied from a validated request's db_server.
// Output-only fields, `state` and `health` are not part of NewDbServer (a new pool
// always starts PROVISIONING / HEALTH_UNSPECIFIED).
NewDbServer FromCreateRequest(const ::instance::v1::DbServer& db_server);

// The etag of a row version: its decimal text ("7"). ParseEtag()
// (request_validation.h) is the inverse.
std::string EtagOf(int64_t version);

// Enum conversions. DbServerHealth::kUnknown <-> HEALTH_UNSPECIFIED.
::instance::v1::DbServer::State ToProto(DbServerState state);
::instance::v1::DbServer::Health ToProto(DbServerHealth health);
// STATE_UNSPECIFIED and values outside the enum map to kProvisioning (the
// CreateDbServer default); reject them before calling when that is not wanted.
DbServerState FromProto(::instance::v1::DbServer::State state);
// Values outside the enum map to kUnknown.
DbServerHealth FromProto(::instance::v1::DbServer::Health health);

// Timestamps. ToProtoTimestamp clamps to the range a Timestamp can hold
// (0001-01-01 to 9999-12-31, which includes absl::InfinitePast/Future).
// FromProtoTimestamp expects a valid Timestamp (see CheckTimestamp in
// request_validation.h).
google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_RULES_RECORD_MAPPING_H_
