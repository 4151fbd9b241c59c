#include "client/internal/call_telemetry.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace dbs::client::internal {

std::string ForwardedRequestId(const std::function<std::string()>& source) {
  if (!source) return "";
  std::string id = source();
  const bool forwardable = id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
                             return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                                    c == '-' || c == '_' || c == '.' || c == ':';
                           });
  return forwardable ? id : "";
}

}  // namespace dbs::client::internal
