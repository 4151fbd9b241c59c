#include "instance_service/repository/db_server_row_codec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace dbs::instance {

const char* StateToText(DbServerState state) {
  switch (state) {
    case DbServerState::kProvisioning:
      return "PROVISIONING";
    case DbServerState::kActive:
      return "ACTIVE";
    case DbServerState::kDraining:
      return "DRAINING";
    case DbServerState::kMaintenance:
      return "MAINTENANCE";
    case DbServerState::kFailed:
      return "FAILED";
  }
  return "FAILED";
}

const char* HealthToText(DbServerHealth health) {
  switch (health) {
    case DbServerHealth::kUnknown:
      return "UNKNOWN";
    case DbServerHealth::kHealthy:
      return "HEALTHY";
    case DbServerHealth::kDegraded:
      return "DEGRADED";
    case DbServerHealth::kUnhealthy:
      return "UNHEALTHY";
  }
  return "UNKNOWN";
}

std::optional<DbServerState> StateFromText(absl::string_view text) {
  for (DbServerState state :
       {DbServerState::kProvisioning, DbServerState::kActive, DbServerState::kDraining,
        DbServerState::kMaintenance, DbServerState::kFailed}) {
    if (text == StateToText(state)) return state;
  }
  return std::nullopt;
}

std::optional<DbServerHealth> HealthFromText(absl::string_view text) {
  for (DbServerHealth health : {DbServerHealth::kUnknown, DbServerHealth::kHealthy,
                                DbServerHealth::kDegraded, DbServerHealth::kUnhealthy}) {
    if (text == HealthToText(health)) return health;
  }
  return std::nullopt;
}

std::string ToTextArrayLiteral(const std::vector<std::string>& elements) {
  std::string literal = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : elements[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

absl::StatusOr<std::vector<std::string>> ParseTextArray(absl::string_view text) {
  const auto malformed = [] { return absl::InvalidArgumentError("malformed text[] value"); };
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return malformed();
  std::vector<std::string> elements;
  size_t i = 1;
  const size_t end = text.size() - 1;
  if (i == end) return elements;
  while (true) {
    std::string element;
    if (text[i] == '"') {
      ++i;
      while (i < end && text[i] != '"') {
        if (text[i] == '\\') ++i;
        if (i >= end) return malformed();
        element += text[i++];
      }
      if (i >= end) return malformed();
      ++i;  // closing quote
    } else {
      const size_t start = i;
      while (i < end && text[i] != ',') ++i;
      element = std::string(text.substr(start, i - start));
      if (element.empty() || absl::EqualsIgnoreCase(element, "NULL")) return malformed();
    }
    elements.push_back(std::move(element));
    if (i == end) return elements;
    if (text[i] != ',') return malformed();
    ++i;
  }
}

std::string ToUnixMicrosText(absl::Time time) { return absl::StrCat(absl::ToUnixMicros(time)); }

}  // namespace dbs::instance
