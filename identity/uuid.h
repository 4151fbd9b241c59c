#ifndef IDENTITY_UUID_H_
#define IDENTITY_UUID_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace dbs::identity {

// UUIDs as every part of this repository writes and checks them: text, 8-4-4-4-12
// hexadecimal digits with hyphens (RFC 4122), e.g.
// "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f". Pure functions; thread-safe.

// True for 8-4-4-4-12 hexadecimal text. `lowercase_only`: only a-f count as
// digits (the contract's canonical form, what request validation requires);
// otherwise A-F too (what PostgreSQL's uuid type accepts).
bool IsUuid(absl::string_view text, bool lowercase_only = false);

// The version-4, RFC 4122 variant UUID made of these 128 bits (the version and
// variant bits overwritten), lowercase.
std::string UuidV4FromBits(uint64_t high, uint64_t low);

// A random version-4 UUID, lowercase (AIP-155 request ids, new db server ids).
std::string NewRandomUuid();

}  // namespace dbs::identity

#endif  // IDENTITY_UUID_H_
