#include "database_service/allocation/derived_request_id.h"

#include "absl/strings/ascii.h"
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

}  // namespace dbs::database_service
