#ifndef CLIENT_INTERNAL_REQUEST_ID_H_
#define CLIENT_INTERNAL_REQUEST_ID_H_

#include <string>

namespace dbs::client::internal {

// A random (version 4) UUID, lowercase and hyphenated, for AIP-155 request_id.
// Thread-safe.
std::string NewRequestId();

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_REQUEST_ID_H_
