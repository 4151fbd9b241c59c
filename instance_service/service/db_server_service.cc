#include "instance_service/service/db_server_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "errors/error_status.h"
#include "instance_service/service/grpc_status.h"

namespace dbs::instance {

namespace v1 = ::instance::v1;

namespace {

serving::CallDispatcherOptions DispatcherOptions(const serving::CallTelemetry& telemetry) {
  serving::CallDispatcherOptions options;
  options.error_domain = std::string(errors::kErrorDomain);
  options.telemetry = telemetry;
  return options;
}

}  // namespace

DbServerServiceImpl::DbServerServiceImpl(std::shared_ptr<DbServerRepository> repository,
                                         serving::BoundedExecutor* executor, Options options)
    : handlers_(std::move(repository)),
      options_(options),
      dispatcher_(executor, &ToGrpcStatus, DispatcherOptions(options.telemetry)) {}

serving::CallDispatcher::Method DbServerServiceImpl::Rpc(absl::string_view name) const {
  return dispatcher_.ForMethod(
      absl::StrCat("/", v1::DbServerService::service_full_name(), "/", name));
}

absl::Time DbServerServiceImpl::DeadlineOf(const grpc::ServerContextBase& context) const {
  return std::min(absl::FromChrono(context.deadline()), absl::Now() + options_.default_deadline);
}

// Each RPC: the handler of the same name on the dispatcher's executor, bounded by
// the caller's deadline.
#define DBS_DEFINE_DB_SERVER_RPC(Name)                                                       \
  grpc::ServerUnaryReactor* DbServerServiceImpl::Name(grpc::CallbackServerContext* context,  \
                                                      const v1::Name##Request* request,      \
                                                      v1::Name##Response* response) {        \
    return dispatcher_.Dispatch(context, rpc_##Name##_, [this, context, request, response] { \
      return handlers_.Name(*request, DeadlineOf(*context), response);                       \
    });                                                                                      \
  }
DBS_DEFINE_DB_SERVER_RPC(ListDbServers)
DBS_DEFINE_DB_SERVER_RPC(GetDbServer)
DBS_DEFINE_DB_SERVER_RPC(CreateDbServer)
DBS_DEFINE_DB_SERVER_RPC(UpdateDbServer)
DBS_DEFINE_DB_SERVER_RPC(DeleteDbServer)
DBS_DEFINE_DB_SERVER_RPC(FindAvailableDbServer)
DBS_DEFINE_DB_SERVER_RPC(IncrementInstanceCount)
DBS_DEFINE_DB_SERVER_RPC(DecrementInstanceCount)
DBS_DEFINE_DB_SERVER_RPC(AllocateDbServer)
#undef DBS_DEFINE_DB_SERVER_RPC

}  // namespace dbs::instance
