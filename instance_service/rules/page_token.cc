#include "instance_service/rules/page_token.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "identity/fingerprint.h"
#include "instance_service/rules/request_validation.h"

namespace dbs::instance {
namespace {

constexpr char kFormatVersion = 1;
constexpr size_t kDigestBytes = 8;
// version + filter digest + checksum; the display_name fills the rest.
constexpr size_t kFixedBytes = 1 + kDigestBytes + kDigestBytes;
// Tokens hold a display_name (at most 63 characters for valid pools; rows adopted
// from the old service may be longer), so anything far beyond that is not ours.
constexpr size_t kMaxTokenLength = 2048;

// FNV-1a (identity/fingerprint.h): stable across processes and builds, which a
// token handed to a client and back to another replica needs. `seed` separates the
// filter digest from the checksum.
uint64_t Fnv1a64(absl::string_view data, uint64_t seed) {
  return identity::Fnv1a64(data, identity::kFnv1a64OffsetBasis ^ seed);
}

constexpr uint64_t kFilterSeed = 0x66696c746572;  // "filter"
constexpr uint64_t kChecksumSeed = 0x636865636b;  // "check"

void AppendUint64(uint64_t value, std::string* out) {
  for (size_t i = 0; i < kDigestBytes; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

uint64_t ReadUint64(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kDigestBytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return value;
}

absl::Status TokenError(absl::string_view why) {
  return errors::InvalidArgument(
      ::instance::v1::INVALID_PAGE_TOKEN,
      {{"page_token",
        absl::StrCat(why,
                     "; pass the next_page_token of the previous response unchanged, with "
                     "the same filter, or an empty token to start over")}});
}

}  // namespace

std::string EncodePageToken(const std::string& last_display_name, absl::string_view filter) {
  std::string payload;
  payload.reserve(kFixedBytes + last_display_name.size());
  payload.push_back(kFormatVersion);
  AppendUint64(Fnv1a64(filter, kFilterSeed), &payload);
  payload.append(last_display_name);
  AppendUint64(Fnv1a64(payload, kChecksumSeed), &payload);
  return absl::WebSafeBase64Escape(payload);
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view filter) {
  if (token.size() > kMaxTokenLength) {
    return TokenError(absl::StrCat("is ", token.size(),
                                   " characters long; tokens of this "
                                   "service are at most ",
                                   kMaxTokenLength));
  }
  std::string payload;
  if (!absl::WebSafeBase64Unescape(token, &payload) || payload.size() < kFixedBytes) {
    return TokenError("is not a page token of this service");
  }
  const absl::string_view body(payload.data(), payload.size() - kDigestBytes);
  const absl::string_view checksum = absl::string_view(payload).substr(body.size());
  if (ReadUint64(checksum) != Fnv1a64(body, kChecksumSeed)) {
    return TokenError("is corrupt or was altered");
  }
  if (body[0] != kFormatVersion) {
    return TokenError("has an unsupported format version");
  }
  if (ReadUint64(body.substr(1)) != Fnv1a64(filter, kFilterSeed)) {
    return TokenError("was issued for a different filter");
  }
  // The checksum has no key, so a caller can mint a token around any bytes. The
  // name goes to PostgreSQL as text, which refuses invalid UTF-8 and NUL
  // (SQLSTATE 22021); a stored display_name never holds either, nor other
  // control characters, so such a token was not issued here.
  const absl::string_view name = body.substr(1 + kDigestBytes);
  size_t code_points = 0;
  bool has_control = false;
  if (!ScanUtf8(name, &code_points, &has_control) || has_control) {
    return TokenError("does not hold a valid position (forged or corrupt)");
  }
  return std::string(name);
}

}  // namespace dbs::instance
