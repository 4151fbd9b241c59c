#ifndef CLIENT_INTERNAL_ERROR_PAYLOADS_H_
#define CLIENT_INTERNAL_ERROR_PAYLOADS_H_

#include "absl/strings/string_view.h"

namespace dbs::client::internal {

// absl::Status payload keys under which the client keeps the server's error
// details: the serialized google.rpc message, keyed by its Any type URL.
inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kRetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";
// ErrorInfo.domain of every instance.v1 error.
inline constexpr absl::string_view kErrorDomain = "instance.internal";

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_ERROR_PAYLOADS_H_
