#include "instance_service/rules/update_mask.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "errors/error_status.h"
#include "instance_service/rules/record_mapping.h"
#include "instance_service/rules/request_validation.h"

namespace dbs::instance {
namespace {

using ::instance::v1::DbServer;

constexpr int kMaxPaths = 64;

enum class MaskPath {
  kState,
  kHealth,
  kHealthMessage,
  kLastHealthCheckTime,
  kMaxInstances,
  kHost,
  kPort,
  kLabels,
};

struct MutablePath {
  absl::string_view name;
  MaskPath path;
};

constexpr MutablePath kMutablePaths[] = {
    {"state", MaskPath::kState},
    {"health", MaskPath::kHealth},
    {"health_message", MaskPath::kHealthMessage},
    {"last_health_check_time", MaskPath::kLastHealthCheckTime},
    {"max_instances", MaskPath::kMaxInstances},
    {"host", MaskPath::kHost},
    {"port", MaskPath::kPort},
    {"labels", MaskPath::kLabels},
};

const MutablePath* FindMutablePath(absl::string_view name) {
  for (const MutablePath& candidate : kMutablePaths) {
    if (candidate.name == name) return &candidate;
  }
  return nullptr;
}

std::string MutablePathList() {
  std::vector<absl::string_view> names;
  for (const MutablePath& candidate : kMutablePaths) names.push_back(candidate.name);
  return absl::StrJoin(names, ", ");
}

// Why `path` cannot be in the mask.
std::string RejectionOf(absl::string_view path) {
  if (path == "*") {
    return absl::StrCat("the wildcard \"*\" is not accepted; name each path to change (",
                        MutablePathList(), ")");
  }
  const google::protobuf::FieldDescriptor* field =
      DbServer::descriptor()->FindFieldByName(std::string(path));
  if (field != nullptr) {
    return absl::StrCat("\"", path, "\" is not mutable; mutable paths: ", MutablePathList());
  }
  if (path.substr(0, 7) == "labels.") {
    return absl::StrCat(QuoteInput(path),
                        " is a sub-path; labels change as a whole map, use \"labels\"");
  }
  return absl::StrCat(QuoteInput(path),
                      " is not a field of DbServer; mutable paths: ", MutablePathList());
}

void CheckKnownState(DbServer::State state, std::vector<errors::FieldViolation>* violations) {
  if (state == DbServer::STATE_UNSPECIFIED || !DbServer::State_IsValid(state)) {
    violations->push_back(
        {"db_server.state",
         absl::StrCat("must be one of STATE_PROVISIONING, STATE_ACTIVE, STATE_DRAINING, "
                      "STATE_MAINTENANCE, STATE_FAILED, got ",
                      DbServer::State_IsValid(state) ? DbServer::State_Name(state)
                                                     : absl::StrCat("unknown value ", state))});
  }
}

void CheckKnownHealth(DbServer::Health health, std::vector<errors::FieldViolation>* violations) {
  if (health == DbServer::HEALTH_UNSPECIFIED || !DbServer::Health_IsValid(health)) {
    violations->push_back(
        {"db_server.health",
         absl::StrCat("must be one of HEALTH_HEALTHY, HEALTH_DEGRADED, HEALTH_UNHEALTHY, got ",
                      DbServer::Health_IsValid(health) ? DbServer::Health_Name(health)
                                                       : absl::StrCat("unknown value ", health))});
  }
}

}  // namespace

absl::Status CheckUpdateMask(const google::protobuf::FieldMask& mask) {
  if (mask.paths_size() == 0) {
    return errors::InvalidArgument(
        ::instance::v1::INVALID_UPDATE_MASK,
        {{"update_mask", absl::StrCat("must name at least one path (", MutablePathList(), ")")}});
  }
  if (mask.paths_size() > kMaxPaths) {
    return errors::InvalidArgument(
        ::instance::v1::INVALID_UPDATE_MASK,
        {{"update_mask",
          absl::StrCat("must have at most ", kMaxPaths, " paths, got ", mask.paths_size())}});
  }
  std::vector<errors::FieldViolation> violations;
  std::set<absl::string_view> rejected;
  for (int i = 0; i < mask.paths_size(); ++i) {
    // A path repeated in the mask is reported once, at its first index.
    if (FindMutablePath(mask.paths(i)) == nullptr && rejected.insert(mask.paths(i)).second) {
      violations.push_back(
          {absl::StrCat("update_mask.paths[", i, "]"), RejectionOf(mask.paths(i))});
    }
  }
  if (violations.empty()) return absl::OkStatus();
  return errors::InvalidArgument(::instance::v1::INVALID_UPDATE_MASK, std::move(violations));
}

absl::StatusOr<DbServerChanges> ChangesFromUpdateRequest(
    const ::instance::v1::UpdateDbServerRequest& request, absl::Time now) {
  if (absl::Status mask = CheckUpdateMask(request.update_mask()); !mask.ok()) return mask;

  std::vector<errors::FieldViolation> violations =
      errors::ViolationsOf(ValidateUpdateDbServerRequest(request));
  const DbServer& db_server = request.db_server();
  DbServerChanges changes;
  for (const std::string& name : request.update_mask().paths()) {
    switch (FindMutablePath(name)->path) {
      case MaskPath::kState:
        if (changes.state.has_value()) break;
        CheckKnownState(db_server.state(), &violations);
        changes.state = FromProto(db_server.state());
        break;
      case MaskPath::kHealth:
        if (changes.health.has_value()) break;
        CheckKnownHealth(db_server.health(), &violations);
        changes.health = FromProto(db_server.health());
        break;
      case MaskPath::kHealthMessage:
        if (changes.health_message.has_value()) break;
        CheckHealthMessage(db_server.health_message(), "db_server.health_message", &violations);
        changes.health_message = db_server.health_message();
        break;
      case MaskPath::kLastHealthCheckTime:
        if (changes.last_health_check_time.has_value()) break;
        if (db_server.has_last_health_check_time()) {
          CheckHealthCheckTime(db_server.last_health_check_time(), now,
                               "db_server.last_health_check_time", &violations);
          changes.last_health_check_time.emplace(
              FromProtoTimestamp(db_server.last_health_check_time()));
        } else {
          changes.last_health_check_time.emplace();  // clears the column
        }
        break;
      case MaskPath::kMaxInstances:
        if (changes.max_instances.has_value()) break;
        CheckMaxInstances(db_server.max_instances(), "db_server.max_instances", &violations);
        changes.max_instances = db_server.max_instances();
        break;
      case MaskPath::kHost:
        if (changes.host.has_value()) break;
        CheckHost(db_server.host(), "db_server.host", &violations);
        changes.host = db_server.host();
        break;
      case MaskPath::kPort:
        if (changes.port.has_value()) break;
        CheckPort(db_server.port(), "db_server.port", &violations);
        changes.port = db_server.port();
        break;
      case MaskPath::kLabels:
        if (changes.labels.has_value()) break;
        CheckLabels(db_server.labels(), "db_server.labels", &violations);
        changes.labels.emplace(db_server.labels().begin(), db_server.labels().end());
        break;
    }
  }
  if (!violations.empty())
    return errors::InvalidArgument(::instance::v1::INVALID_FIELD, std::move(violations));
  return changes;
}

}  // namespace dbs::instance
