#include "database_service/monitoring/health_update.h"

#include <algorithm>

namespace dbs::database_service {

void SetHealth(instance::v1::DbServer& change, google::protobuf::FieldMask& mask,
               instance::v1::DbServer::Health health, const std::string& raw_message,
               absl::Time checked_at) {
  change.set_health(health);
  // libpq messages span lines ("...refused\n\tIs the server running..."); keep one.
  std::string message = raw_message;
  for (char& c : message) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  size_t length = std::min(message.size(), kMaxHealthMessageLength);
  // Cut at a UTF-8 character boundary, never inside a character.
  while (length < message.size() && (static_cast<unsigned char>(message[length]) & 0xC0) == 0x80) {
    --length;
  }
  change.set_health_message(message.substr(0, length));
  const absl::Duration since_epoch = checked_at - absl::UnixEpoch();
  change.mutable_last_health_check_time()->set_seconds(
      absl::ToInt64Seconds(absl::Floor(since_epoch, absl::Seconds(1))));
  change.mutable_last_health_check_time()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since_epoch - absl::Floor(since_epoch, absl::Seconds(1)))));
  mask.add_paths("health");
  mask.add_paths("health_message");
  mask.add_paths("last_health_check_time");
}

}  // namespace dbs::database_service
