#ifndef INSTANCE_SERVICE_REPOSITORY_DB_SERVER_RECORD_H_
#define INSTANCE_SERVICE_REPOSITORY_DB_SERVER_RECORD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace dbs::instance {

// Names follow the contract (DbServer, DbServer.State, DbServer.Health); "pool"
// survives only in prose and in the plan's own names, which the client keeps as
// documented aliases (GetAvailablePool; docs/seed-map.md maps each one).
//
// The lifecycle of a pool as stored in db_servers.status (text). The service layer
// maps it to instance.v1.DbServer.State; the repository never sees protobuf.
enum class DbServerState { kProvisioning, kActive, kDraining, kMaintenance, kFailed };

// The last health verdict as stored in db_servers.health (text); kUnknown is a
// pool never checked (HEALTH_UNSPECIFIED on the wire).
enum class DbServerHealth { kUnknown, kHealthy, kDegraded, kUnhealthy };

// The name of a state as the contract spells it, the instance.v1.DbServer.State
// value name ("STATE_ACTIVE"): in messages and in every ErrorInfo metadata value
// that names a state (error_reason.proto). One spelling everywhere.
constexpr const char* StateName(DbServerState state) {
  switch (state) {
    case DbServerState::kProvisioning:
      return "STATE_PROVISIONING";
    case DbServerState::kActive:
      return "STATE_ACTIVE";
    case DbServerState::kDraining:
      return "STATE_DRAINING";
    case DbServerState::kMaintenance:
      return "STATE_MAINTENANCE";
    case DbServerState::kFailed:
      return "STATE_FAILED";
  }
  return "STATE_UNSPECIFIED";
}

// One row of db_servers.
struct DbServerRecord {
  std::string id;  // UUID, lowercase hyphenated text
  std::string display_name;
  std::string host;
  int32_t port = 0;
  std::string server_type;
  DbServerState state = DbServerState::kProvisioning;
  DbServerHealth health = DbServerHealth::kUnknown;
  std::string health_message;
  std::optional<absl::Time> last_health_check_time;
  int32_t instance_count = 0;
  int32_t max_instances = 0;
  std::map<std::string, std::string> labels;
  absl::Time create_time;
  absl::Time update_time;
  // Incremented by every write that changes the row (not by an update that sets
  // the current values again); the wire etag is derived from it.
  int64_t version = 0;
};

// What CreateDbServer stores; everything else gets its initial value
// (PROVISIONING, UNKNOWN health, count 0, version 1).
struct NewDbServer {
  std::string display_name;
  std::string host;
  int32_t port = 0;
  std::string server_type;
  int32_t max_instances = 0;
  std::map<std::string, std::string> labels;
};

// The columns an UpdateDbServer changes: set members only. An engaged
// last_health_check_time holding nullopt clears the column.
struct DbServerChanges {
  std::optional<DbServerState> state;
  std::optional<DbServerHealth> health;
  std::optional<std::string> health_message;
  std::optional<std::optional<absl::Time>> last_health_check_time;
  std::optional<int32_t> max_instances;
  std::optional<std::string> host;
  std::optional<int32_t> port;
  std::optional<std::map<std::string, std::string>> labels;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_DB_SERVER_RECORD_H_
