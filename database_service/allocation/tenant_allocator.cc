#include "database_service/allocation/tenant_allocator.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "database_service/allocation/derived_request_id.h"
#include "errors/error_status.h"
#include "glog/logging.h"

namespace dbs::database_service {
namespace {

using instance::v1::DbServer;

absl::Status CheckRequestId(const std::string& request_id) {
  if (IsUuid(request_id)) return absl::OkStatus();
  return absl::InvalidArgumentError("request_id must be a UUID (it makes retries safe)");
}

// Adds `context` to an error's message, keeping its code and payloads.
absl::Status Annotate(const absl::Status& status, const std::string& context) {
  return errors::WithMessage(status, absl::StrCat(context, ": ", status.message()));
}

// Whether a pool error may go away on its own, so that the same request may
// succeed when retried: the server did not answer (in time). Other errors
// (name taken by another owner, invalid input, permission, ...) are definitive.
bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

}  // namespace

absl::StatusOr<AllocatedTenant> TenantAllocator::Create(const std::string& database_name,
                                                        const std::string& server_type,
                                                        const std::string& request_id,
                                                        absl::Time deadline) const {
  metrics::AllocationOutcome outcome = metrics::AllocationOutcome::kOk;
  auto created = CreateAndClassify(database_name, server_type, request_id, deadline, &outcome);
  Count(outcome);
  return created;
}

absl::StatusOr<AllocatedTenant> TenantAllocator::CreateAndClassify(
    const std::string& database_name, const std::string& server_type, const std::string& request_id,
    absl::Time deadline, metrics::AllocationOutcome* outcome) const {
  using metrics::AllocationOutcome;
  *outcome = AllocationOutcome::kInvalidRequest;
  if (absl::Status valid = ValidateTenantDatabaseName(database_name); !valid.ok()) return valid;
  if (absl::Status valid = CheckRequestId(request_id); !valid.ok()) return valid;

  instance::v1::AllocateDbServerRequest allocate;
  allocate.set_server_type(server_type.empty() ? "postgres" : server_type);
  allocate.set_request_id(DeriveRequestId(request_id, "allocate"));
  auto pool = client_.AllocateDbServer(allocate, client::CallOptions::Until(deadline));
  if (!pool.ok()) {
    *outcome = absl::IsResourceExhausted(pool.status()) ? AllocationOutcome::kNoCapacity
               : absl::IsInvalidArgument(pool.status()) ? AllocationOutcome::kInvalidRequest
                                                        : AllocationOutcome::kAllocateError;
    return pool.status();
  }

  auto database =
      pool_admin_->CreateTenantDatabase({pool->host(), pool->port()}, database_name, deadline);
  if (database.ok()) {
    *outcome = AllocationOutcome::kOk;
    if (database->created) {
      LOG(INFO) << "created tenant database " << database_name << " on pool "
                << pool->display_name();
    }
    return AllocatedTenant{*std::move(pool), *std::move(database)};
  }

  if (IsRetryable(database.status())) {
    *outcome = AllocationOutcome::kPoolUnavailable;
    // The slot stays held for this request_id. Releasing it here would let a
    // retry with the same request_id replay the allocation (no increment) and
    // then create the tenant without a slot. The retry finishes the create on
    // this pool with this slot; a DropDatabase of the tenant releases it.
    LOG(WARNING) << "create of " << database_name << " on pool " << pool->display_name()
                 << " failed retryably; its slot stays held for a retry: " << database.status();
    return Annotate(
        database.status(),
        absl::StrCat("creating database ", database_name, " on pool ", pool->display_name(),
                     " (id ", pool->id(), "; slot held: retry with the same request_id)"));
  }

  instance::v1::DecrementInstanceCountRequest release;
  release.set_id(pool->id());
  release.set_request_id(DeriveRequestId(request_id, "release-after-failed-create"));
  auto released = client_.DecrementInstanceCount(release);
  *outcome = released.ok() ? AllocationOutcome::kPoolError : AllocationOutcome::kSlotLeaked;
  if (!released.ok()) {
    // The error goes back to the caller; the reconciler (reconcile/) releases
    // the slot once the drift has settled.
    LOG(WARNING) << "slot on pool " << pool->display_name() << " (" << pool->id()
                 << ") leaked until the reconciler releases it: create of " << database_name
                 << " failed and the release failed too: " << released.status();
  }
  return Annotate(database.status(),
                  absl::StrCat("creating database ", database_name, " on pool ",
                               pool->display_name(), released.ok() ? " (slot released)" : ""));
}

absl::StatusOr<ReleasedTenant> TenantAllocator::Drop(const std::string& pool_id,
                                                     const std::string& database_name,
                                                     const std::string& request_id,
                                                     bool allow_missing,
                                                     absl::Time deadline) const {
  if (absl::Status valid = ValidateTenantDatabaseName(database_name); !valid.ok()) return valid;
  if (absl::Status valid = CheckRequestId(request_id); !valid.ok()) return valid;
  if (pool_id.empty()) return absl::InvalidArgumentError("pool_id is required");

  const client::CallOptions call = client::CallOptions::Until(deadline);
  auto pool = client_.GetDbServer(pool_id, call);
  if (!pool.ok()) return pool.status();
  const PoolEndpoint endpoint{pool->host(), pool->port()};

  auto dropped = pool_admin_->DropTenantDatabase(endpoint, database_name, deadline);
  if (!dropped.ok()) return dropped.status();
  if (!dropped->database_existed && !dropped->role_exists) {
    if (allow_missing) return ReleasedTenant{*std::move(pool), false};
    return absl::NotFoundError(
        absl::StrCat("no tenant database ", database_name, " on pool ", pool->display_name()));
  }

  if (!dropped->role_exists) {
    // The database was there but its owner role is gone already: a concurrent
    // drop of the same tenant got past this point and released the slot (it
    // drops the role only after the release). Nothing is left to do here.
    LOG(INFO) << "tenant database " << database_name << " on pool " << pool->display_name()
              << " was finished by a concurrent drop";
    return ReleasedTenant{*std::move(pool), false};
  }

  // The release id names the tenant, not this call: every drop of one tenant
  // incarnation, whatever its request_id, replays the same release, so its slot
  // is released once. The owner role's OID exists until the last step and is
  // new for each incarnation, so a recreated tenant of the same name is
  // released again. (request_id only gates the call; a drop needs no more.)
  instance::v1::DecrementInstanceCountRequest release;
  release.set_id(pool_id);
  release.set_request_id(TenantReleaseRequestId(pool_id, database_name, dropped->role_oid));
  auto released = client_.DecrementInstanceCount(release, call);
  ReleasedTenant result;
  if (released.ok()) {
    Count(metrics::AllocationOutcome::kReleased);
    result = ReleasedTenant{*std::move(released), true};
  } else if (errors::ReasonOf(released.status()) == instance::v1::DB_SERVER_EMPTY) {
    // The count is already 0: someone corrected it by hand. Nothing to release;
    // finish the drop instead of failing on every retry.
    LOG(WARNING) << "pool " << pool->display_name() << " had no slot to release for "
                 << database_name;
    result = ReleasedTenant{*std::move(pool), false};
  } else {
    Count(metrics::AllocationOutcome::kReleaseError);
    return released.status();  // the role stays: a retry finishes
  }

  if (absl::Status role = pool_admin_->DropTenantRole(endpoint, database_name, deadline);
      !role.ok()) {
    return role;
  }
  LOG(INFO) << "dropped tenant database " << database_name << " from pool "
            << result.pool.display_name();
  return result;
}

}  // namespace dbs::database_service
