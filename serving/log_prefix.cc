#include "serving/log_prefix.h"

#include <iomanip>
#include <ostream>

#include "glog/logging.h"
#include "serving/request_id.h"

namespace dbs::serving {
namespace {

// glog 0.6's default prefix, written by hand because a custom prefix replaces it
// (glog adds one space after it), then the current call's id when there is one.
void PrefixWithRequestId(std::ostream& out, const google::LogMessageInfo& line, void*) {
  const google::LogMessageTime& time = line.time;
  const char fill = out.fill('0');
  out << line.severity[0] << std::setw(4) << 1900 + time.year() << std::setw(2) << 1 + time.month()
      << std::setw(2) << time.day() << ' ' << std::setw(2) << time.hour() << ':' << std::setw(2)
      << time.min() << ':' << std::setw(2) << time.sec() << '.' << std::setw(6) << time.usec()
      << ' ' << std::setfill(' ') << std::setw(5) << line.thread_id << ' ' << line.filename << ':'
      << line.line_number << ']';
  out.fill(fill);
  if (const absl::string_view id = CurrentRequestId(); !id.empty()) out << " x-request-id=" << id;
}

}  // namespace

void InitLoggingWithRequestIds(const char* argv0) {
  google::InitGoogleLogging(argv0, &PrefixWithRequestId, nullptr);
}

}  // namespace dbs::serving
