#include "database_service/allocation/derived_request_id.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dbs::database_service {
namespace {

uint64_t Fnv1a64(const std::string& text, uint64_t basis) {
  uint64_t hash = basis;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

bool IsUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) {
      return false;
    }
  }
  return true;
}

std::string DeriveRequestId(const std::string& request_id, const std::string& purpose) {
  const std::string key = absl::StrFormat("%s\n%s", absl::AsciiStrToLower(request_id), purpose);
  uint64_t high = Fnv1a64(key, 0xcbf29ce484222325ULL);
  uint64_t low = Fnv1a64(key, high ^ 0x9e3779b97f4a7c15ULL);
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

std::string TenantReleaseRequestId(const std::string& pool_id, const std::string& database_name,
                                   uint32_t owner_role_oid) {
  return DeriveRequestId(pool_id, absl::StrCat("release-after-drop of ", database_name,
                                               " owner role oid ", owner_role_oid));
}

}  // namespace dbs::database_service
