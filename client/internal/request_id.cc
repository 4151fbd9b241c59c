#include "client/internal/request_id.h"

#include "identity/uuid.h"

namespace dbs::client::internal {

std::string NewRequestId() { return identity::NewRandomUuid(); }

}  // namespace dbs::client::internal
