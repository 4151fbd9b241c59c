#include "database_service/provisioning/pool_provisioner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "database_service/monitoring/health_update.h"
#include "glog/logging.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;

// RFC 1123 label, as DbServer.display_name requires; checked here because the
// name is put into a List filter.
bool IsDisplayName(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::optional<DbServer>> PoolProvisioner::FindByName(
    const std::string& display_name, const client::CallOptions& call) const {
  auto pools =
      client_.ListAllDbServers(absl::StrCat("display_name = \"", display_name, "\""), 0, call);
  if (!pools.ok()) return pools.status();
  for (DbServer& pool : *pools) {
    if (pool.display_name() == display_name) return std::optional<DbServer>(std::move(pool));
  }
  return std::optional<DbServer>();
}

absl::StatusOr<ProvisionedPool> PoolProvisioner::Provision(
    const instance::v1::CreateDbServerRequest& request, absl::Time deadline) const {
  const client::CallOptions call = client::CallOptions::Until(deadline);
  const DbServer& wanted = request.db_server();
  if (!IsDisplayName(wanted.display_name())) {
    return absl::InvalidArgumentError(
        "display_name must be an RFC 1123 label: 1 to 63 characters of a-z, 0-9 and '-'");
  }

  auto existing = FindByName(wanted.display_name(), call);
  if (!existing.ok()) return existing.status();
  DbServer pool;
  if (existing->has_value()) {
    pool = **existing;
    if (pool.host() != wanted.host() || pool.port() != wanted.port()) {
      return absl::AlreadyExistsError(absl::StrCat("pool '", pool.display_name(),
                                                   "' is already registered at ", pool.host(), ":",
                                                   pool.port()));
    }
    if (pool.state() == DbServer::STATE_FAILED) {
      DbServer change;
      change.set_id(pool.id());
      change.set_state(DbServer::STATE_PROVISIONING);
      google::protobuf::FieldMask mask;
      mask.add_paths("state");
      auto updated = client_.UpdateDbServer(change, mask, call);
      if (!updated.ok()) return updated.status();
      pool = *std::move(updated);
    }
  } else {
    auto created = client_.CreateDbServer(request, call);
    if (absl::IsAlreadyExists(created.status())) {
      // Registered concurrently by another caller: provision that record.
      auto raced = FindByName(wanted.display_name(), call);
      if (!raced.ok()) return raced.status();
      if (!raced->has_value()) return created.status();
      pool = **raced;
    } else if (!created.ok()) {
      return created.status();
    } else {
      pool = *std::move(created);
      LOG(INFO) << "registered pool " << pool.display_name() << " (" << pool.id() << ")";
    }
  }

  ProvisionedPool result;
  auto info = pool_admin_->Inspect({pool.host(), pool.port()}, deadline);
  DbServer change;
  change.set_id(pool.id());
  google::protobuf::FieldMask mask;
  if (info.ok()) {
    result.server_version = info->version;
    if (pool.state() == DbServer::STATE_PROVISIONING) {
      change.set_state(DbServer::STATE_ACTIVE);
      mask.add_paths("state");
    }
    SetHealth(change, mask, DbServer::HEALTH_HEALTHY,
              absl::StrCat("provisioned: PostgreSQL ", info->version));
  } else {
    change.set_state(DbServer::STATE_FAILED);
    mask.add_paths("state");
    SetHealth(change, mask, DbServer::HEALTH_UNHEALTHY,
              absl::StrCat("provisioning failed: ", info.status().message()));
    LOG(WARNING) << "pool " << pool.display_name() << " failed provisioning: " << info.status();
  }
  auto updated = client_.UpdateDbServer(change, mask, call);
  if (!updated.ok()) return updated.status();
  result.pool = *std::move(updated);
  return result;
}

}  // namespace dbs::database_service
