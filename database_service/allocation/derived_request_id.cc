#include "database_service/allocation/derived_request_id.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "identity/fingerprint.h"
#include "identity/uuid.h"

namespace dbs::database_service {

std::string DeriveRequestId(const std::string& request_id, const std::string& purpose) {
  const std::string key = absl::StrFormat("%s\n%s", absl::AsciiStrToLower(request_id), purpose);
  const uint64_t high = identity::Fnv1a64(key);
  const uint64_t low = identity::Fnv1a64(key, high ^ 0x9e3779b97f4a7c15ULL);
  return identity::UuidV4FromBits(high, low);
}

std::string TenantReleaseRequestId(const std::string& pool_id, const std::string& database_name,
                                   uint32_t owner_role_oid) {
  return DeriveRequestId(pool_id, absl::StrCat("release-after-drop of ", database_name,
                                               " owner role oid ", owner_role_oid));
}

}  // namespace dbs::database_service
