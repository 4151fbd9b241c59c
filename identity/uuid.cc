#include "identity/uuid.h"

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace dbs::identity {

bool IsUuid(absl::string_view text, bool lowercase_only) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
      continue;
    }
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                       (!lowercase_only && c >= 'A' && c <= 'F');
    if (!digit) return false;
  }
  return true;
}

std::string UuidV4FromBits(uint64_t high, uint64_t low) {
  // Version 4 in the top nibble of time_hi_and_version; RFC 4122 variant 10xx.
  high = (high & ~uint64_t{0xF000}) | uint64_t{0x4000};
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xFFFF,
                         high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFF);
}

std::string NewRandomUuid() {
  thread_local absl::BitGen generator;
  return UuidV4FromBits(absl::Uniform<uint64_t>(generator), absl::Uniform<uint64_t>(generator));
}

}  // namespace dbs::identity
