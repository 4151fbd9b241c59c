#include "serving/error_info_reason.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace dbs::serving {

std::string ErrorInfoReason(const grpc::Status& status) {
  if (status.ok() || status.error_details().empty()) return "";
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const google::protobuf::Any& detail : details.details()) {
    google::rpc::ErrorInfo info;
    if (detail.Is<google::rpc::ErrorInfo>() && detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

}  // namespace dbs::serving
