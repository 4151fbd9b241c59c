#ifndef IDENTITY_FINGERPRINT_H_
#define IDENTITY_FINGERPRINT_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace dbs::identity {

// FNV-1a, 64-bit: a digest that is the same in every process, replica and build
// (absl::Hash and std::hash are seeded per process), for what must be recomputed
// elsewhere: request fingerprints, page-token checksums, derived request ids. Not
// a MAC and not collision-resistant against an adversary.
inline constexpr uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ULL;

// The FNV-1a hash of `data`, starting from `basis` (a different basis gives an
// independent hash of the same bytes).
constexpr uint64_t Fnv1a64(absl::string_view data, uint64_t basis = kFnv1a64OffsetBasis) {
  uint64_t hash = basis;
  for (char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kFnv1a64Prime;
  }
  return hash;
}

}  // namespace dbs::identity

#endif  // IDENTITY_FINGERPRINT_H_
