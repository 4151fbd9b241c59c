#include "tests/rehearsal/event_log.h"

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"

namespace dbs::rehearsal {

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open event log ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<EventLog>(new EventLog(file));
}

EventLog::~EventLog() { std::fclose(file_); }

void EventLog::Record(const std::string& kind, bool ok, absl::Time start,
                      const std::string& detail) {
  const absl::Time end = absl::Now();
  const std::string line = absl::StrCat(absl::ToUnixMicros(end), " ", kind, " ", ok ? "ok" : "fail",
                                        " ", absl::ToInt64Microseconds(end - start), " ",
                                        absl::StrReplaceAll(detail, {{"\n", " "}}), "\n");
  std::lock_guard<std::mutex> lock(mutex_);
  std::fputs(line.c_str(), file_);
  std::fflush(file_);
}

}  // namespace dbs::rehearsal
