#include "instance_service/service/request_fingerprint.h"

#include <memory>

#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "identity/fingerprint.h"

namespace dbs::instance {
namespace {

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);  // map order fixed
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

}  // namespace

std::optional<RequestIdentity> IdentityOf(const std::string& method,
                                          const google::protobuf::Message& request,
                                          const std::string& request_id) {
  if (request_id.empty()) return std::nullopt;
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  return RequestIdentity{request_id, absl::StrFormat("%s:%016x", method,
                                                     identity::Fnv1a64(DeterministicBytes(*copy)))};
}

}  // namespace dbs::instance
