#ifndef INSTANCE_SERVICE_REPOSITORY_DB_SERVER_ROW_CODEC_H_
#define INSTANCE_SERVICE_REPOSITORY_DB_SERVER_ROW_CODEC_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "instance_service/repository/db_server_record.h"

namespace dbs::instance {

// Text forms of values crossing the SQL boundary as `$n` parameters or text
// results. Pure functions; no database needed.

// db_servers.state / db_servers.health values ("ACTIVE", "HEALTHY", ...). The
// legacy lowercase `status`/`health_status` columns of an adopted table are kept in
// step by the database (migration 0001), never read or written here.
const char* StateToText(DbServerState state);
const char* HealthToText(DbServerHealth health);
std::optional<DbServerState> StateFromText(absl::string_view text);
std::optional<DbServerHealth> HealthFromText(absl::string_view text);

// A PostgreSQL text[] literal holding `elements`, every one quoted: {"a","b \"c\""}.
std::string ToTextArrayLiteral(const std::vector<std::string>& elements);
// Parses PostgreSQL's text[] output ({a,"b c"}). INVALID_ARGUMENT when malformed or
// when it holds NULL elements.
absl::StatusOr<std::vector<std::string>> ParseTextArray(absl::string_view text);

// Microseconds since the Unix epoch: how timestamps cross the boundary exactly.
std::string ToUnixMicrosText(absl::Time time);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_DB_SERVER_ROW_CODEC_H_
