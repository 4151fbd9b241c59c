#ifndef TESTS_REHEARSAL_EVENT_LOG_H_
#define TESTS_REHEARSAL_EVENT_LOG_H_

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace dbs::rehearsal {

// The record of every attempt a traffic generator makes, one line each, appended
// and flushed as it happens so that deploy/local/rehearse-migration can count the
// attempts of any time window while the generator still runs:
//
//   <end, µs since the epoch> <kind> <ok|fail> <latency µs> <detail>
//
// `kind` is `allocate` (a tenant placed on a pool: the availability figure),
// `provision`, `monitor`, or `begin` (a call about to be sent; latency 0);
// `detail` is the tenant or pool name on success and the error on failure (one
// line). Thread-safe.
class EventLog {
 public:
  // Opens `path` for appending. Errors: the file cannot be opened.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(const std::string& path);
  ~EventLog();

  void Record(const std::string& kind, bool ok, absl::Time start, const std::string& detail);

 private:
  explicit EventLog(std::FILE* file) : file_(file) {}

  std::mutex mutex_;
  std::FILE* file_;
};

}  // namespace dbs::rehearsal

#endif  // TESTS_REHEARSAL_EVENT_LOG_H_
