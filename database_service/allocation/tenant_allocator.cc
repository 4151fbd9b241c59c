#include "database_service/allocation/tenant_allocator.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "database_service/allocation/derived_request_id.h"
#include "glog/logging.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;

absl::Status CheckRequestId(const std::string& request_id) {
  if (IsUuid(request_id)) return absl::OkStatus();
  return absl::InvalidArgumentError("request_id must be a UUID (it makes retries safe)");
}

// Adds `context` to an error's message, keeping its code and payloads.
absl::Status Annotate(absl::Status status, const std::string& context) {
  absl::Status annotated(status.code(), absl::StrCat(context, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    annotated.SetPayload(url, payload);
  });
  return annotated;
}

}  // namespace

absl::StatusOr<AllocatedTenant> TenantAllocator::Create(const std::string& database_name,
                                                        const std::string& server_type,
                                                        const std::string& request_id) const {
  if (absl::Status valid = ValidateTenantDatabaseName(database_name); !valid.ok()) return valid;
  if (absl::Status valid = CheckRequestId(request_id); !valid.ok()) return valid;

  instance::v1::AllocateDbServerRequest allocate;
  allocate.set_server_type(server_type.empty() ? "postgres" : server_type);
  allocate.set_request_id(DeriveRequestId(request_id, "allocate"));
  auto pool = client_.AllocateDbServer(allocate);
  if (!pool.ok()) return pool.status();

  auto database = pool_admin_->CreateTenantDatabase({pool->host(), pool->port()}, database_name);
  if (database.ok()) {
    if (database->created) {
      LOG(INFO) << "created tenant database " << database_name << " on pool "
                << pool->display_name();
    }
    return AllocatedTenant{*std::move(pool), *std::move(database)};
  }

  instance::v1::DecrementInstanceCountRequest release;
  release.set_id(pool->id());
  release.set_request_id(DeriveRequestId(request_id, "release-after-failed-create"));
  auto released = client_.DecrementInstanceCount(release);
  if (!released.ok()) {
    // The error goes back to the caller; the leaked slot needs an operator.
    LOG(ERROR) << "slot on pool " << pool->display_name() << " (" << pool->id()
               << ") leaked: create of " << database_name
               << " failed and the release failed too: " << released.status();
  }
  return Annotate(database.status(),
                  absl::StrCat("creating database ", database_name, " on pool ",
                               pool->display_name(), released.ok() ? " (slot released)" : ""));
}

absl::StatusOr<ReleasedTenant> TenantAllocator::Drop(const std::string& pool_id,
                                                     const std::string& database_name,
                                                     const std::string& request_id,
                                                     bool allow_missing) const {
  if (absl::Status valid = ValidateTenantDatabaseName(database_name); !valid.ok()) return valid;
  if (absl::Status valid = CheckRequestId(request_id); !valid.ok()) return valid;
  if (pool_id.empty()) return absl::InvalidArgumentError("pool_id is required");

  auto pool = client_.GetDbServer(pool_id);
  if (!pool.ok()) return pool.status();
  const PoolEndpoint endpoint{pool->host(), pool->port()};

  auto dropped = pool_admin_->DropTenantDatabase(endpoint, database_name);
  if (!dropped.ok()) return dropped.status();
  if (!dropped->database_existed && !dropped->role_exists) {
    if (allow_missing) return ReleasedTenant{*std::move(pool), false};
    return absl::NotFoundError(
        absl::StrCat("no tenant database ", database_name, " on pool ", pool->display_name()));
  }

  instance::v1::DecrementInstanceCountRequest release;
  release.set_id(pool_id);
  release.set_request_id(DeriveRequestId(request_id, "release-after-drop"));
  auto released = client_.DecrementInstanceCount(release);
  ReleasedTenant result;
  if (released.ok()) {
    result = ReleasedTenant{*std::move(released), true};
  } else if (client::ErrorReason(released.status()) == "DB_SERVER_EMPTY") {
    // The count is already 0: someone corrected it by hand. Nothing to release;
    // finish the drop instead of failing on every retry.
    LOG(WARNING) << "pool " << pool->display_name() << " had no slot to release for "
                 << database_name;
    result = ReleasedTenant{*std::move(pool), false};
  } else {
    return released.status();  // the role stays: a retry finishes
  }

  if (absl::Status role = pool_admin_->DropTenantRole(endpoint, database_name); !role.ok()) {
    return role;
  }
  LOG(INFO) << "dropped tenant database " << database_name << " from pool "
            << result.pool.display_name();
  return result;
}

}  // namespace dbs::database_service
