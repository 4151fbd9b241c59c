#ifndef DATABASE_SERVICE_MONITORING_HEALTH_UPDATE_H_
#define DATABASE_SERVICE_MONITORING_HEALTH_UPDATE_H_

#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::database_service {

// Longest `health_message` instance-service accepts.
inline constexpr size_t kMaxHealthMessageLength = 1024;

// Puts a health verdict into an UpdateDbServer change: sets `health`,
// `health_message` (on one line, cut to kMaxHealthMessageLength) and
// `last_health_check_time` (= `checked_at`) on `change`, and adds those three
// paths to `mask`. The one way provisioning and monitoring write health.
void SetHealth(instance::v1::DbServer& change, google::protobuf::FieldMask& mask,
               instance::v1::DbServer::Health health, const std::string& message,
               absl::Time checked_at = absl::Now());

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_MONITORING_HEALTH_UPDATE_H_
