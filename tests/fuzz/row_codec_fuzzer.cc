// The text forms crossing the SQL boundary, on arbitrary text: ParseTextArray
// never crashes, and what it accepts round-trips through ToTextArrayLiteral;
// state, health and UUID parsing agree with their printers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "identity/uuid.h"
#include "instance_service/repository/db_server_row_codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto elements = dbs::instance::ParseTextArray(text);
  if (elements.ok()) {
    auto again = dbs::instance::ParseTextArray(dbs::instance::ToTextArrayLiteral(*elements));
    DBS_FUZZ_ASSERT(again.ok() && *again == *elements);
  } else {
    DBS_FUZZ_ASSERT(elements.status().code() == absl::StatusCode::kInvalidArgument);
  }
  // Any strings survive literal -> parse: split the input at NUL bytes.
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= size; ++i) {
    if (i == size || data[i] == 0) {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  auto parsed = dbs::instance::ParseTextArray(dbs::instance::ToTextArrayLiteral(parts));
  DBS_FUZZ_ASSERT(parsed.ok() && *parsed == parts);

  if (auto state = dbs::instance::StateFromText(text)) {
    DBS_FUZZ_ASSERT(text == dbs::instance::StateToText(*state));
  }
  if (auto health = dbs::instance::HealthFromText(text)) {
    DBS_FUZZ_ASSERT(text == dbs::instance::HealthToText(*health));
  }
  if (dbs::identity::IsUuid(text)) DBS_FUZZ_ASSERT(size == 36);
  return 0;
}
