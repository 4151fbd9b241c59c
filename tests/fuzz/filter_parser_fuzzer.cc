// ParseFilter on arbitrary bytes: never crashes; either terms within the
// documented limits whose values are valid UTF-8 without control characters
// (they become SQL parameters), or an INVALID_FILTER error a caller receives whole.
#include <cstddef>
#include <cstdint>

#include "errors/error_status.h"
#include "instance_service/rules/filter_parser.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view filter(reinterpret_cast<const char*>(data), size);
  auto terms = dbs::instance::ParseFilter(filter);
  if (!terms.ok()) {
    dbs::fuzz::CheckInputError(terms.status());
    DBS_FUZZ_ASSERT(dbs::errors::ReasonOf(terms.status()) == ::instance::v1::INVALID_FILTER);
    return 0;
  }
  DBS_FUZZ_ASSERT(size <= dbs::instance::kMaxFilterLength);
  DBS_FUZZ_ASSERT(terms->size() <= dbs::instance::kMaxFilterTerms);
  for (const dbs::instance::FilterTerm& term : *terms) {
    size_t code_points = 0;
    bool control = false;
    DBS_FUZZ_ASSERT(dbs::instance::ScanUtf8(term.value, &code_points, &control));
    DBS_FUZZ_ASSERT(term.value.find('\0') == std::string::npos);
    if (term.field == dbs::instance::FilterField::kLabel) {
      DBS_FUZZ_ASSERT(dbs::instance::IsLabelKey(term.label_key));
    }
  }
  return 0;
}
