// DecodePageToken, the only check between a caller's page_token and SQL. The
// first input byte: bit 7 picks the mode, bits 0-6 how many of the following
// bytes are the filter; the rest is
// - mode 0: a token as a caller sends it (arbitrary text);
// - mode 1: a name, wrapped into a well-formed token with EncodePageToken, as
//   anyone can mint one (the checksum has no key).
// Never crashes; a name it accepts can go to PostgreSQL as text (valid UTF-8,
// no NUL or control characters) and round-trips; anything else is
// INVALID_PAGE_TOKEN that reaches a caller whole.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "errors/error_status.h"
#include "instance_service/rules/page_token.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool minted = (data[0] & 0x80) != 0;
  const size_t filter_size = std::min<size_t>(data[0] & 0x7F, size - 1);
  const absl::string_view filter(reinterpret_cast<const char*>(data) + 1, filter_size);
  const absl::string_view rest(reinterpret_cast<const char*>(data) + 1 + filter_size,
                               size - 1 - filter_size);
  const std::string token =
      minted ? dbs::instance::EncodePageToken(std::string(rest), filter) : std::string(rest);
  if (token.empty()) return 0;  // "first page": the handler's case, not the decoder's

  auto name = dbs::instance::DecodePageToken(token, filter);
  if (!name.ok()) {
    dbs::fuzz::CheckInputError(name.status());
    DBS_FUZZ_ASSERT(dbs::errors::ReasonOf(name.status()) == ::instance::v1::INVALID_PAGE_TOKEN);
    return 0;
  }
  size_t code_points = 0;
  bool control = false;
  DBS_FUZZ_ASSERT(dbs::instance::ScanUtf8(*name, &code_points, &control));
  DBS_FUZZ_ASSERT(!control);
  if (minted) DBS_FUZZ_ASSERT(*name == rest);
  auto again =
      dbs::instance::DecodePageToken(dbs::instance::EncodePageToken(*name, filter), filter);
  DBS_FUZZ_ASSERT(again.ok() && *again == *name);
  return 0;
}
