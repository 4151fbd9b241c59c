#ifndef INSTANCE_SERVICE_SERVICE_REQUEST_FINGERPRINT_H_
#define INSTANCE_SERVICE_SERVICE_REQUEST_FINGERPRINT_H_

#include <optional>
#include <string>

#include "google/protobuf/message.h"
#include "instance_service/repository/db_server_repository.h"

namespace dbs::instance {

// The AIP-155 identity of a mutating request: nullopt when `request_id` is empty,
// else the id plus a fingerprint of the method and every other field, so that a
// request_id reused for a different request is detected.
//
// The fingerprint is "<method>:<FNV-1a 64 of the deterministic serialization with
// request_id cleared>": stable across processes and replicas of the same build,
// unlike std::hash or absl::Hash, which are seeded per process.
std::optional<RequestIdentity> IdentityOf(const std::string& method,
                                          const google::protobuf::Message& request,
                                          const std::string& request_id);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_REQUEST_FINGERPRINT_H_
