#ifndef SERVING_ERROR_INFO_REASON_H_
#define SERVING_ERROR_INFO_REASON_H_

#include <string>

#include "grpcpp/support/status.h"

namespace dbs::serving {

// The google.rpc.ErrorInfo reason an answer carries in its binary details (a
// google.rpc.Status, as both services send every error), or "" when it carries none
// (OK, or an error made without details such as CANCELLED). Parses the details:
// call it for errors only, off the OK path.
std::string ErrorInfoReason(const grpc::Status& status);

}  // namespace dbs::serving

#endif  // SERVING_ERROR_INFO_REASON_H_
