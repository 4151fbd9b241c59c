#include "client/testing/fake_request_checks.h"

#include <cctype>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/error_reason.h"
#include "identity/uuid.h"

namespace dbs::client::testing_internal {
namespace {

namespace v1 = ::instance::v1;

absl::Status Invalid(v1::ErrorReason reason, std::vector<FieldViolation> violations) {
  return errors::InvalidArgument(reason, std::move(violations));
}

bool AllOf(const std::string& text, const std::function<bool(char)>& allowed) {
  for (char c : text) {
    if (!allowed(c)) return false;
  }
  return true;
}

bool LowerDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsRfc1123Label(const std::string& name) {
  return !name.empty() && name.size() <= 63 &&
         AllOf(name, [](char c) { return LowerDigit(c) || c == '-'; }) && name.front() != '-' &&
         name.back() != '-';
}

// `[a-z][a-z0-9_-]{0,max_tail}`
bool IsIdentifier(const std::string& text, size_t max_tail) {
  return !text.empty() && text.size() <= max_tail + 1 && text[0] >= 'a' && text[0] <= 'z' &&
         AllOf(text, [](char c) { return LowerDigit(c) || c == '_' || c == '-'; });
}

bool IsHost(const std::string& host) {
  return !host.empty() && host.size() <= 253 && AllOf(host, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':';
  });
}

void CheckLabels(const google::protobuf::Map<std::string, std::string>& labels,
                 std::vector<FieldViolation>& violations) {
  if (labels.size() > 64) violations.push_back({"db_server.labels", "at most 64 entries"});
  for (const auto& [key, value] : labels) {
    if (!IsIdentifier(key, 62)) {
      violations.push_back({absl::StrCat("db_server.labels[\"", key, "\"]"),
                            "key must match [a-z][a-z0-9_-]{0,62}"});
    }
    if (value.size() > 63 ||
        !AllOf(value, [](char c) { return LowerDigit(c) || c == '_' || c == '-'; })) {
      violations.push_back({absl::StrCat("db_server.labels[\"", key, "\"]"),
                            "value must be at most 63 characters of a-z, 0-9, _ and -"});
    }
  }
}

void CheckPort(int32_t port, std::vector<FieldViolation>& violations) {
  if (port < 1 || port > 65535) {
    violations.push_back({"db_server.port", absl::StrCat("must be 1 to 65535, got ", port)});
  }
}

void CheckMaxInstances(int32_t max_instances, std::vector<FieldViolation>& violations) {
  if (max_instances < 1 || max_instances > 1'000'000) {
    violations.push_back(
        {"db_server.max_instances", absl::StrCat("must be 1 to 1000000, got ", max_instances)});
  }
}

}  // namespace

absl::Status CheckId(const std::string& field, const std::string& id) {
  if (identity::IsUuid(id)) return absl::OkStatus();
  return Invalid(v1::INVALID_FIELD, {{field, "must be a UUID"}});
}

absl::Status CheckRequestId(const std::string& request_id) {
  return request_id.empty() ? absl::OkStatus() : CheckId("request_id", request_id);
}

absl::Status CheckServerType(const std::string& field, const std::string& server_type) {
  if (IsIdentifier(server_type, 31)) return absl::OkStatus();
  return Invalid(v1::INVALID_FIELD, {{field, "must match [a-z][a-z0-9_-]{0,31}"}});
}

absl::Status CheckNewDbServer(const v1::DbServer& db_server) {
  std::vector<FieldViolation> violations;
  if (!IsRfc1123Label(db_server.display_name())) {
    violations.push_back({"db_server.display_name", "must be an RFC 1123 label of 1 to 63 chars"});
  }
  if (!IsHost(db_server.host())) {
    violations.push_back({"db_server.host", "must be a host name or IP literal"});
  }
  CheckPort(db_server.port(), violations);
  if (!IsIdentifier(db_server.server_type(), 31)) {
    violations.push_back({"db_server.server_type", "must match [a-z][a-z0-9_-]{0,31}"});
  }
  CheckMaxInstances(db_server.max_instances(), violations);
  CheckLabels(db_server.labels(), violations);
  if (db_server.state() != v1::DbServer::STATE_UNSPECIFIED &&
      db_server.state() != v1::DbServer::STATE_PROVISIONING) {
    violations.push_back({"db_server.state", "must be unset or STATE_PROVISIONING"});
  }
  if (db_server.health() != v1::DbServer::HEALTH_UNSPECIFIED) {
    violations.push_back({"db_server.health", "must be unset on create"});
  }
  if (violations.empty()) return absl::OkStatus();
  return Invalid(v1::INVALID_FIELD, std::move(violations));
}

absl::Status CheckUpdate(const v1::UpdateDbServerRequest& request) {
  static const std::set<std::string> kMutable = {
      "state",         "health", "health_message", "last_health_check_time",
      "max_instances", "host",   "port",           "labels"};
  if (request.update_mask().paths().empty()) {
    return Invalid(v1::INVALID_UPDATE_MASK, {{"update_mask", "must name at least one path"}});
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (kMutable.count(path) == 0) {
      return Invalid(v1::INVALID_UPDATE_MASK,
                     {{"update_mask", absl::StrCat("path \"", path, "\" is not mutable")}});
    }
  }
  std::vector<FieldViolation> violations;
  const v1::DbServer& db_server = request.db_server();
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "state" && db_server.state() == v1::DbServer::STATE_UNSPECIFIED) {
      violations.push_back({"db_server.state", "must not be STATE_UNSPECIFIED"});
    } else if (path == "health" && db_server.health() == v1::DbServer::HEALTH_UNSPECIFIED) {
      violations.push_back({"db_server.health", "must not be HEALTH_UNSPECIFIED"});
    } else if (path == "health_message" && db_server.health_message().size() > 1024) {
      violations.push_back({"db_server.health_message", "at most 1024 characters"});
    } else if (path == "last_health_check_time" &&
               db_server.last_health_check_time().seconds() >
                   absl::ToUnixSeconds(absl::Now() + absl::Minutes(1))) {
      violations.push_back({"db_server.last_health_check_time", "must not be in the future"});
    } else if (path == "max_instances") {
      CheckMaxInstances(db_server.max_instances(), violations);
    } else if (path == "host" && !IsHost(db_server.host())) {
      violations.push_back({"db_server.host", "must be a host name or IP literal"});
    } else if (path == "port") {
      CheckPort(db_server.port(), violations);
    } else if (path == "labels") {
      CheckLabels(db_server.labels(), violations);
    }
  }
  if (violations.empty()) return absl::OkStatus();
  return Invalid(v1::INVALID_FIELD, std::move(violations));
}

bool TransitionAllowed(v1::DbServer::State from, v1::DbServer::State to) {
  using S = v1::DbServer;
  if (from == to) return true;
  switch (from) {
    case S::STATE_PROVISIONING:
      return to == S::STATE_ACTIVE || to == S::STATE_FAILED;
    case S::STATE_ACTIVE:
      return to == S::STATE_DRAINING || to == S::STATE_MAINTENANCE || to == S::STATE_FAILED;
    case S::STATE_DRAINING:
      return to == S::STATE_ACTIVE || to == S::STATE_MAINTENANCE || to == S::STATE_FAILED;
    case S::STATE_MAINTENANCE:
      return to == S::STATE_ACTIVE || to == S::STATE_DRAINING || to == S::STATE_FAILED;
    case S::STATE_FAILED:
      return to == S::STATE_PROVISIONING;
    default:
      return false;
  }
}

namespace {

// Splits a filter into words, operators (`=`, `!=`) and quoted strings (kept
// with their quotes so `AND` inside quotes stays a value).
absl::StatusOr<std::vector<std::string>> Tokenize(const std::string& filter) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < filter.size()) {
    const char c = filter[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '=') {
      tokens.push_back("=");
      ++i;
    } else if (c == '!' && i + 1 < filter.size() && filter[i + 1] == '=') {
      tokens.push_back("!=");
      i += 2;
    } else if (c == '"') {
      const size_t end = filter.find('"', i + 1);
      if (end == std::string::npos) return absl::InvalidArgumentError("unterminated string");
      tokens.push_back(filter.substr(i, end - i + 1));
      i = end + 1;
    } else {
      size_t end = i;
      while (end < filter.size() && !std::isspace(static_cast<unsigned char>(filter[end])) &&
             filter[end] != '=' && filter[end] != '!' && filter[end] != '"') {
        ++end;
      }
      if (end == i)
        return absl::InvalidArgumentError(absl::StrCat("unexpected '", std::string(1, c), "'"));
      tokens.push_back(filter.substr(i, end - i));
      i = end;
    }
  }
  return tokens;
}

std::string Unquote(const std::string& token) {
  return token.size() >= 2 && token.front() == '"' ? token.substr(1, token.size() - 2) : token;
}

// The value of `field` on `db_server` as the filter compares it; nullopt-like
// false in `known` when the field cannot be filtered on.
absl::StatusOr<std::function<std::string(const v1::DbServer&)>> FieldGetter(
    const std::string& field) {
  if (field == "server_type") return [](const v1::DbServer& s) { return s.server_type(); };
  if (field == "display_name") return [](const v1::DbServer& s) { return s.display_name(); };
  if (field == "state") {
    return [](const v1::DbServer& s) { return v1::DbServer::State_Name(s.state()); };
  }
  if (field == "health") {
    return [](const v1::DbServer& s) { return v1::DbServer::Health_Name(s.health()); };
  }
  if (absl::StartsWith(field, "labels.") && field.size() > 7) {
    const std::string key = field.substr(7);
    return [key](const v1::DbServer& s) {
      auto it = s.labels().find(key);
      return it == s.labels().end() ? std::string() : it->second;
    };
  }
  return absl::InvalidArgumentError(absl::StrCat("cannot filter on \"", field, "\""));
}

// Normalises an enum value of `field` to its full name; error when unknown.
absl::StatusOr<std::string> EnumValue(const std::string& field, const std::string& value) {
  if (field == "state") {
    v1::DbServer::State state;
    if (v1::DbServer::State_Parse(value, &state) ||
        v1::DbServer::State_Parse("STATE_" + value, &state)) {
      return v1::DbServer::State_Name(state);
    }
  } else if (field == "health") {
    v1::DbServer::Health health;
    if (v1::DbServer::Health_Parse(value, &health) ||
        v1::DbServer::Health_Parse("HEALTH_" + value, &health)) {
      return v1::DbServer::Health_Name(health);
    }
  } else {
    return value;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown ", field, " \"", value, "\""));
}

}  // namespace

absl::StatusOr<DbServerPredicate> ParseFilter(const std::string& filter) {
  auto fail = [](const std::string& why) { return Invalid(v1::INVALID_FILTER, {{"filter", why}}); };
  if (filter.size() > 1024) return fail("at most 1024 characters");
  auto tokens = Tokenize(filter);
  if (!tokens.ok()) return fail(std::string(tokens.status().message()));
  std::vector<DbServerPredicate> terms;
  for (size_t i = 0; i < tokens->size(); i += 4) {
    if (i + 2 >= tokens->size()) return fail("expected FIELD = VALUE or FIELD != VALUE");
    const std::string& field = (*tokens)[i];
    const std::string& op = (*tokens)[i + 1];
    if (op != "=" && op != "!=") return fail(absl::StrCat("expected = or != after ", field));
    auto getter = FieldGetter(field);
    if (!getter.ok()) return fail(std::string(getter.status().message()));
    auto value = EnumValue(field, Unquote((*tokens)[i + 2]));
    if (!value.ok()) return fail(std::string(value.status().message()));
    const bool equal = op == "=";
    terms.push_back([get = *getter, want = *value, equal](const v1::DbServer& s) {
      return (get(s) == want) == equal;
    });
    if (i + 3 < tokens->size() && (*tokens)[i + 3] != "AND") {
      return fail(absl::StrCat("expected AND, got \"", (*tokens)[i + 3], "\""));
    }
    if (i + 3 == tokens->size() - 1) return fail("AND must be followed by a comparison");
  }
  return DbServerPredicate([terms](const v1::DbServer& s) {
    for (const auto& term : terms) {
      if (!term(s)) return false;
    }
    return true;
  });
}

}  // namespace dbs::client::testing_internal
