#ifndef INSTANCE_SERVICE_RULES_PAGE_TOKEN_H_
#define INSTANCE_SERVICE_RULES_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dbs::instance {

// ListDbServers page tokens (AIP-158): opaque to callers, they carry the keyset
// position, the display_name of the last pool returned.
//
// A token is unpadded base64url of: a format version byte, a 64-bit digest of the
// filter text the listing used, the display_name, and a 64-bit checksum of all
// that. The checksum catches altered or truncated tokens and the digest a token
// replayed with another filter. Neither is a MAC: a caller could forge a token,
// but a forged one only moves the start of a listing the caller may read anyway.
// Tokens do not expire; they stay valid across server restarts and replicas.

// The next_page_token after a page whose last pool is `last_display_name`, for a
// listing with `filter` (the request's filter text, byte for byte).
std::string EncodePageToken(const std::string& last_display_name, absl::string_view filter);

// The display_name a token encoded, if `token` came from EncodePageToken with the
// same `filter`. Otherwise INVALID_ARGUMENT, reason "INVALID_PAGE_TOKEN", one
// violation on field "page_token" (malformed, altered, wrong version, issued
// for another filter, or a forged one whose name is not valid UTF-8 or holds NUL
// or another control character other than tab, CR and LF). Precondition: !token.empty() — an empty
// page_token means "first page" and is the caller's case.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view filter);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_RULES_PAGE_TOKEN_H_
