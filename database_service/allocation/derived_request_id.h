#ifndef DATABASE_SERVICE_ALLOCATION_DERIVED_REQUEST_ID_H_
#define DATABASE_SERVICE_ALLOCATION_DERIVED_REQUEST_ID_H_

#include <cstdint>
#include <string>

#include "identity/uuid.h"

namespace dbs::database_service {

// UUID text checks are identity/uuid.h's (one copy for the repository).
using ::dbs::identity::IsUuid;

// A UUID determined by (`request_id`, `purpose`): the same pair always gives the
// same UUID, different purposes give different ones. One caller request fans
// out into several instance-service calls (allocate, release, ...); each gets its
// own stable request_id, so a retry of the caller's request replays every one of
// them instead of applying it again (AIP-155). Stable across processes and
// versions (FNV-1a, not std::hash); formatted as a version-4, RFC 4122 variant
// UUID so that servers validating the format accept it.
std::string DeriveRequestId(const std::string& request_id, const std::string& purpose);

// The request_id of the DecrementInstanceCount that releases the slot of
// tenant `database_name` on pool `pool_id`, whose owner role has the OID
// `owner_role_oid` on the pool server. Keyed by the tenant, not by a caller:
// every drop of one tenant incarnation (TenantAllocator::Drop), and the
// reconciler finishing a drop left half done, send the same id, so the slot is
// released once. A tenant created again under the same name has a new role and
// so a new id.
std::string TenantReleaseRequestId(const std::string& pool_id, const std::string& database_name,
                                   uint32_t owner_role_oid);

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_ALLOCATION_DERIVED_REQUEST_ID_H_
