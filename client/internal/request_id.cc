#include "client/internal/request_id.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace dbs::client::internal {

std::string NewRequestId() {
  thread_local absl::BitGen generator;
  const uint64_t high = absl::Uniform<uint64_t>(generator);
  const uint64_t low = absl::Uniform<uint64_t>(generator);
  // Version 4 in the top nibble of time_hi_and_version; RFC 4122 variant 10xx.
  const uint64_t versioned_high = (high & ~uint64_t{0xF000}) | uint64_t{0x4000};
  const uint64_t variant_low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", versioned_high >> 32,
                         (versioned_high >> 16) & 0xFFFF, versioned_high & 0xFFFF,
                         variant_low >> 48, variant_low & 0xFFFFFFFFFFFF);
}

}  // namespace dbs::client::internal
