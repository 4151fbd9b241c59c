#include "tests/support/process_memory.h"

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace dbs::testing {
namespace {

int64_t StatusFieldKib(int pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view view(line);
    if (!absl::ConsumePrefix(&view, field)) continue;
    int64_t kib = 0;
    return absl::SimpleAtoi(absl::StripSuffix(absl::StripAsciiWhitespace(view), " kB"), &kib) ? kib
                                                                                              : 0;
  }
  return 0;
}

}  // namespace

int64_t CurrentRssKib(int pid) { return StatusFieldKib(pid, "VmRSS:"); }
int64_t PeakRssKib(int pid) { return StatusFieldKib(pid, "VmHWM:"); }

void ResetPeakRss(int pid) {
  // Writing 5 to clear_refs resets VmHWM to the current RSS.
  std::ofstream out(absl::StrCat("/proc/", pid, "/clear_refs"));
  out << "5";
}

}  // namespace dbs::testing
