#include "instance_service/repository/db_server_row_codec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace dbs::instance {

const char* StateToText(PoolState state) {
  switch (state) {
    case PoolState::kProvisioning:
      return "PROVISIONING";
    case PoolState::kActive:
      return "ACTIVE";
    case PoolState::kDraining:
      return "DRAINING";
    case PoolState::kMaintenance:
      return "MAINTENANCE";
    case PoolState::kFailed:
      return "FAILED";
  }
  return "FAILED";
}

const char* HealthToText(PoolHealth health) {
  switch (health) {
    case PoolHealth::kUnknown:
      return "UNKNOWN";
    case PoolHealth::kHealthy:
      return "HEALTHY";
    case PoolHealth::kDegraded:
      return "DEGRADED";
    case PoolHealth::kUnhealthy:
      return "UNHEALTHY";
  }
  return "UNKNOWN";
}

std::optional<PoolState> StateFromText(absl::string_view text) {
  for (PoolState state : {PoolState::kProvisioning, PoolState::kActive, PoolState::kDraining,
                          PoolState::kMaintenance, PoolState::kFailed}) {
    if (text == StateToText(state)) return state;
  }
  return std::nullopt;
}

std::optional<PoolHealth> HealthFromText(absl::string_view text) {
  for (PoolHealth health : {PoolHealth::kUnknown, PoolHealth::kHealthy, PoolHealth::kDegraded,
                            PoolHealth::kUnhealthy}) {
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
