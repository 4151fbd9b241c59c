#include "client/internal/stub_decorators.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "errors/error_status.h"

namespace dbs::client::internal {
namespace {

// The request's `request_id` field, or "" for requests without one.
std::string RequestIdOf(const google::protobuf::Message& request) {
  const auto* field = request.GetDescriptor()->FindFieldByName("request_id");
  return field == nullptr ? std::string() : request.GetReflection()->GetString(request, field);
}

}  // namespace

MetadataStub::MetadataStub(std::shared_ptr<DbServerStub> child,
                           std::map<std::string, std::string> metadata)
    : child_(std::move(child)), metadata_(std::move(metadata)) {}

void MetadataStub::Decorate(grpc::ClientContext& context) const {
  for (const auto& [key, value] : metadata_) context.AddMetadata(key, value);
}

#define DBS_DEFINE_METADATA_STUB(Name)                                         \
  void MetadataStub::Name(std::shared_ptr<grpc::ClientContext> context,        \
                          const instance::v1::Name##Request& request,          \
                          ResultCallback<instance::v1::Name##Response> done) { \
    Decorate(*context);                                                        \
    child_->Name(std::move(context), request, std::move(done));                \
  }
DBS_FOR_EACH_DB_SERVER_RPC(DBS_DEFINE_METADATA_STUB)
#undef DBS_DEFINE_METADATA_STUB

LoggingStub::LoggingStub(std::shared_ptr<DbServerStub> child,
                         std::function<void(const std::string&)> sink)
    : child_(std::move(child)), sink_(std::move(sink)) {}

#define DBS_DEFINE_LOGGING_STUB(Name)                                                              \
  void LoggingStub::Name(std::shared_ptr<grpc::ClientContext> context,                             \
                         const instance::v1::Name##Request& request,                               \
                         ResultCallback<instance::v1::Name##Response> done) {                      \
    const absl::Time start = absl::Now();                                                          \
    child_->Name(std::move(context), request,                                                      \
                 [sink = sink_, start, request_id = RequestIdOf(request),                          \
                  done = std::move(done)](absl::StatusOr<instance::v1::Name##Response> r) {        \
                   const absl::Status& status = r.status();                                        \
                   sink(absl::StrCat(#Name, " request_id=", request_id.empty() ? "-" : request_id, \
                                     " code=", absl::StatusCodeToString(status.code()),            \
                                     " reason=", errors::ReasonNameOf(status),                     \
                                     " latency=", absl::FormatDuration(absl::Now() - start)));     \
                   done(std::move(r));                                                             \
                 });                                                                               \
  }
DBS_FOR_EACH_DB_SERVER_RPC(DBS_DEFINE_LOGGING_STUB)
#undef DBS_DEFINE_LOGGING_STUB

}  // namespace dbs::client::internal
