#ifndef INSTANCE_SERVICE_SERVICE_DB_SERVER_SERVICE_H_
#define INSTANCE_SERVICE_SERVICE_DB_SERVER_SERVICE_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "instance_service/repository/db_server_repository.h"
#include "instance_service/service/db_server_handlers.h"
#include "serving/bounded_executor.h"
#include "serving/call_dispatcher.h"

namespace dbs::instance {

// The gRPC edge of instance.v1.DbServerService: each RPC runs the transport-free
// DbServerHandlers (db_server_handlers.h: validate, one repository call, map)
// with the caller's deadline, and the grpc::Status is made in one place
// (grpc_status.h). Semantics and errors are the contract's: see
// proto/instance/v1/db_servers.proto.
//
// gRPC's callback API: each handler returns at once and its work (validation, the
// repository's one round trip, mapping) runs on `executor` through a
// serving::CallDispatcher, which sheds load as UNAVAILABLE SERVER_OVERLOADED. The
// caller's deadline bounds the wait for a worker, for a connection, and the SQL.
// Thread-safe; `executor` must outlive the calls.
class DbServerServiceImpl final : public ::instance::v1::DbServerService::CallbackService {
 public:
  struct Options {
    // Calls that arrive without a deadline get this one, so no SQL runs unbounded.
    absl::Duration default_deadline = absl::Seconds(30);
    // Per-call metrics and call log (serving/call_dispatcher.h).
    serving::CallTelemetry telemetry;
  };

  DbServerServiceImpl(std::shared_ptr<DbServerRepository> repository,
                      serving::BoundedExecutor* executor, Options options);

  grpc::ServerUnaryReactor* ListDbServers(grpc::CallbackServerContext* context,
                                          const ::instance::v1::ListDbServersRequest* request,
                                          ::instance::v1::ListDbServersResponse* response) override;
  grpc::ServerUnaryReactor* GetDbServer(grpc::CallbackServerContext* context,
                                        const ::instance::v1::GetDbServerRequest* request,
                                        ::instance::v1::GetDbServerResponse* response) override;
  grpc::ServerUnaryReactor* CreateDbServer(
      grpc::CallbackServerContext* context, const ::instance::v1::CreateDbServerRequest* request,
      ::instance::v1::CreateDbServerResponse* response) override;
  grpc::ServerUnaryReactor* UpdateDbServer(
      grpc::CallbackServerContext* context, const ::instance::v1::UpdateDbServerRequest* request,
      ::instance::v1::UpdateDbServerResponse* response) override;
  grpc::ServerUnaryReactor* DeleteDbServer(
      grpc::CallbackServerContext* context, const ::instance::v1::DeleteDbServerRequest* request,
      ::instance::v1::DeleteDbServerResponse* response) override;
  grpc::ServerUnaryReactor* FindAvailableDbServer(
      grpc::CallbackServerContext* context,
      const ::instance::v1::FindAvailableDbServerRequest* request,
      ::instance::v1::FindAvailableDbServerResponse* response) override;
  grpc::ServerUnaryReactor* IncrementInstanceCount(
      grpc::CallbackServerContext* context,
      const ::instance::v1::IncrementInstanceCountRequest* request,
      ::instance::v1::IncrementInstanceCountResponse* response) override;
  grpc::ServerUnaryReactor* DecrementInstanceCount(
      grpc::CallbackServerContext* context,
      const ::instance::v1::DecrementInstanceCountRequest* request,
      ::instance::v1::DecrementInstanceCountResponse* response) override;
  grpc::ServerUnaryReactor* AllocateDbServer(
      grpc::CallbackServerContext* context, const ::instance::v1::AllocateDbServerRequest* request,
      ::instance::v1::AllocateDbServerResponse* response) override;

 private:
  // The caller's deadline, or now + Options::default_deadline when it set none.
  absl::Time DeadlineOf(const grpc::ServerContextBase& context) const;
  // The dispatcher's handle of RPC `name` of this service.
  serving::CallDispatcher::Method Rpc(absl::string_view name) const;

  DbServerHandlers handlers_;
  Options options_;
  serving::CallDispatcher dispatcher_;
  // One per RPC, made once: their metrics series and names for the call log.
  const serving::CallDispatcher::Method rpc_ListDbServers_ = Rpc("ListDbServers");
  const serving::CallDispatcher::Method rpc_GetDbServer_ = Rpc("GetDbServer");
  const serving::CallDispatcher::Method rpc_CreateDbServer_ = Rpc("CreateDbServer");
  const serving::CallDispatcher::Method rpc_UpdateDbServer_ = Rpc("UpdateDbServer");
  const serving::CallDispatcher::Method rpc_DeleteDbServer_ = Rpc("DeleteDbServer");
  const serving::CallDispatcher::Method rpc_FindAvailableDbServer_ = Rpc("FindAvailableDbServer");
  const serving::CallDispatcher::Method rpc_IncrementInstanceCount_ = Rpc("IncrementInstanceCount");
  const serving::CallDispatcher::Method rpc_DecrementInstanceCount_ = Rpc("DecrementInstanceCount");
  const serving::CallDispatcher::Method rpc_AllocateDbServer_ = Rpc("AllocateDbServer");
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_DB_SERVER_SERVICE_H_
