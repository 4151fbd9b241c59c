#include "client/internal/connection_impl.h"

#include <string>
#include <utility>

#include "client/internal/channel.h"
#include "client/internal/retry_loop.h"
#include "client/internal/stub_decorators.h"

namespace dbs::client::internal {

InstanceServiceConnectionImpl::InstanceServiceConnectionImpl(std::shared_ptr<DbServerStub> stub,
                                                             RetryPolicy retry,
                                                             ConnectionTelemetry telemetry)
    : stub_(std::move(stub)),
      retry_(retry),
      request_id_source_(std::move(telemetry.request_id_source)) {
  if (telemetry.observer != nullptr) {
#define DBS_MAKE_OBSERVER_HANDLE(Name) \
  Name##_observer_ = telemetry.observer->ForMethod("/instance.v1.DbServerService/" #Name);
    DBS_FOR_EACH_DB_SERVER_RPC(DBS_MAKE_OBSERVER_HANDLE)
#undef DBS_MAKE_OBSERVER_HANDLE
  }
}

InstanceServiceConnectionImpl::~InstanceServiceConnectionImpl() { in_flight_->WaitUntilIdle(); }

#define DBS_DEFINE_CONNECTION_METHOD(Name)                                                      \
  void InstanceServiceConnectionImpl::Name(const instance::v1::Name##Request& request,          \
                                           absl::Time deadline,                                 \
                                           ResultCallback<instance::v1::Name##Response> done) { \
    instance::v1::Name##Request prepared = request;                                             \
    const bool idempotent = PrepareForRetries(prepared);                                        \
    RetryLoop<instance::v1::Name##Request, instance::v1::Name##Response>::Start(                \
        stub_.get(), in_flight_, &DbServerStub::Name, retry_, idempotent, std::move(prepared),  \
        deadline, std::move(done),                                                              \
        CallTelemetry{Name##_observer_.get(), ForwardedRequestId(request_id_source_)});         \
  }
DBS_FOR_EACH_DB_SERVER_RPC(DBS_DEFINE_CONNECTION_METHOD)
#undef DBS_DEFINE_CONNECTION_METHOD

std::shared_ptr<DbServerStub> DecorateStub(std::shared_ptr<DbServerStub> stub,
                                           const ClientOptions& options) {
  std::map<std::string, std::string> metadata = options.metadata;
  if (!options.bearer_token.empty()) {
    metadata["authorization"] = "Bearer " + options.bearer_token;
  }
  if (!metadata.empty())
    stub = std::make_shared<MetadataStub>(std::move(stub), std::move(metadata));
  if (options.call_logger)
    stub = std::make_shared<LoggingStub>(std::move(stub), options.call_logger);
  return stub;
}

}  // namespace dbs::client::internal

namespace dbs::client {

std::shared_ptr<InstanceServiceConnection> MakeInstanceServiceConnection(ClientOptions options) {
  std::shared_ptr<internal::DbServerStub> stub = internal::DecorateStub(
      internal::MakeDefaultDbServerStub(internal::MakeChannel(options)), options);
  // The stub has what it needs from `options`; the rest moves into the connection.
  return std::make_shared<internal::InstanceServiceConnectionImpl>(
      std::move(stub), options.retry,
      internal::ConnectionTelemetry{std::move(options.observer),
                                    std::move(options.request_id_source)});
}

}  // namespace dbs::client
