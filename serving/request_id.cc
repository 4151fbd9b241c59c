#include "serving/request_id.h"

#include <cstring>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"

namespace dbs::serving {
namespace {

thread_local const RequestId* current_request_id = nullptr;

bool IsIdCharacter(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == ':';
}

}  // namespace

std::optional<RequestId> RequestId::Parse(absl::string_view text) {
  if (text.empty() || text.size() > kMaxLength) return std::nullopt;
  for (char c : text) {
    if (!IsIdCharacter(c)) return std::nullopt;
  }
  RequestId id;
  std::memcpy(id.text_, text.data(), text.size());
  id.size_ = static_cast<uint8_t>(text.size());
  return id;
}

RequestId RequestId::New() {
  // Correlation, not security: a fast generator per thread is enough.
  thread_local absl::InsecureBitGen generator;
  uint64_t high = absl::Uniform<uint64_t>(generator);
  uint64_t low = absl::Uniform<uint64_t>(generator);
  high = (high & ~uint64_t{0xF000}) | uint64_t{0x4000};          // version 4
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  RequestId id;
  char* out = id.text_;
  const auto put = [&out](uint64_t bits, int nibbles) {
    for (int shift = (nibbles - 1) * 4; shift >= 0; shift -= 4)
      *out++ = kHex[(bits >> shift) & 0xF];
  };
  put(high >> 32, 8);
  *out++ = '-';
  put(high >> 16, 4);
  *out++ = '-';
  put(high, 4);
  *out++ = '-';
  put(low >> 48, 4);
  *out++ = '-';
  put(low, 12);
  id.size_ = static_cast<uint8_t>(out - id.text_);
  return id;
}

RequestId RequestIdOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  if (const auto found = metadata.find(kRequestIdHeader); found != metadata.end()) {
    if (auto id = RequestId::Parse(absl::string_view(found->second.data(), found->second.size())))
      return *id;
  }
  return RequestId::New();
}

absl::string_view CurrentRequestId() {
  return current_request_id == nullptr ? absl::string_view() : current_request_id->view();
}

ScopedRequestId::ScopedRequestId(const RequestId& id) : previous_(current_request_id) {
  current_request_id = &id;
}

ScopedRequestId::~ScopedRequestId() { current_request_id = previous_; }

}  // namespace dbs::serving
