#ifndef SERVING_REQUEST_ID_H_
#define SERVING_REQUEST_ID_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

namespace dbs::serving {

// The metadata key of a call's correlation id, as proxies and meshes name it. Not
// to be confused with the `request_id` field of mutating requests, which is an
// idempotency key (AIP-155): one request id follows a call through every service
// it reaches, for the logs.
inline constexpr char kRequestIdHeader[] = "x-request-id";

// A call's correlation id: 1..kMaxLength characters of [A-Za-z0-9._:-], held
// inline (no allocation per call). A plain value; copy freely.
class RequestId {
 public:
  static constexpr size_t kMaxLength = 64;

  // The empty id ("no call").
  RequestId() = default;

  // `text` when it is a well-formed id, else nullopt. The rule keeps log lines
  // parseable and unforgeable: no spaces, quotes or newlines from the wire.
  static std::optional<RequestId> Parse(absl::string_view text);
  // A fresh random UUID4 (lowercase, 36 characters).
  static RequestId New();

  absl::string_view view() const { return absl::string_view(text_, size_); }
  bool empty() const { return size_ == 0; }

 private:
  char text_[kMaxLength] = {};
  uint8_t size_ = 0;
};

// The id a call arrived with in `x-request-id` metadata when it is well-formed
// (the first value), else a fresh one: a caller's malformed id is replaced, not
// refused, since correlation must never fail a call.
RequestId RequestIdOf(const grpc::ServerContextBase& context);

// The id of the call the current thread is working for, "" outside any call. Set
// by the serving core around a call's work and its answer (ScopedRequestId), read
// by the log prefix (log_prefix.h) and by clients that forward it to the services
// a call reaches. Valid until the scope that set it ends.
absl::string_view CurrentRequestId();

// Makes `id` the current thread's request id until destroyed, then restores the
// previous one. `id` must outlive the scope. Not copyable; scopes nest.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(const RequestId& id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  const RequestId* previous_;
};

}  // namespace dbs::serving

#endif  // SERVING_REQUEST_ID_H_
