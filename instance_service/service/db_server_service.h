#ifndef INSTANCE_SERVICE_SERVICE_DB_SERVER_SERVICE_H_
#define INSTANCE_SERVICE_SERVICE_DB_SERVER_SERVICE_H_

#include <memory>

#include "absl/time/time.h"
#include "instance/v1/db_servers.grpc.pb.h"
#include "instance_service/repository/db_server_repository.h"

namespace dbs::instance {

// The gRPC handlers of instance.v1.DbServerService. Each handler validates the
// request, calls the repository once, and maps the result; none holds SQL, and the
// grpc::Status is made in one place (grpc_status.h). Semantics and errors are the
// contract's: see proto/instance/v1/db_servers.proto.
//
// Runs on the sync server's bounded thread pool (serving::GrpcHost), so a handler
// may block on the database; the caller's deadline bounds that wait and the SQL.
// Thread-safe.
class DbServerServiceImpl final : public ::instance::v1::DbServerService::Service {
 public:
  struct Options {
    // Calls that arrive without a deadline get this one, so no SQL runs unbounded.
    absl::Duration default_deadline = absl::Seconds(30);
  };

  DbServerServiceImpl(std::shared_ptr<DbServerRepository> repository, Options options);

  grpc::Status ListDbServers(grpc::ServerContext* context,
                             const ::instance::v1::ListDbServersRequest* request,
                             ::instance::v1::ListDbServersResponse* response) override;
  grpc::Status GetDbServer(grpc::ServerContext* context,
                           const ::instance::v1::GetDbServerRequest* request,
                           ::instance::v1::GetDbServerResponse* response) override;
  grpc::Status CreateDbServer(grpc::ServerContext* context,
                              const ::instance::v1::CreateDbServerRequest* request,
                              ::instance::v1::CreateDbServerResponse* response) override;
  grpc::Status UpdateDbServer(grpc::ServerContext* context,
                              const ::instance::v1::UpdateDbServerRequest* request,
                              ::instance::v1::UpdateDbServerResponse* response) override;
  grpc::Status DeleteDbServer(grpc::ServerContext* context,
                              const ::instance::v1::DeleteDbServerRequest* request,
                              ::instance::v1::DeleteDbServerResponse* response) override;
  grpc::Status FindAvailableDbServer(
      grpc::ServerContext* context, const ::instance::v1::FindAvailableDbServerRequest* request,
      ::instance::v1::FindAvailableDbServerResponse* response) override;
  grpc::Status IncrementInstanceCount(
      grpc::ServerContext* context, const ::instance::v1::IncrementInstanceCountRequest* request,
      ::instance::v1::IncrementInstanceCountResponse* response) override;
  grpc::Status DecrementInstanceCount(
      grpc::ServerContext* context, const ::instance::v1::DecrementInstanceCountRequest* request,
      ::instance::v1::DecrementInstanceCountResponse* response) override;
  grpc::Status AllocateDbServer(grpc::ServerContext* context,
                                const ::instance::v1::AllocateDbServerRequest* request,
                                ::instance::v1::AllocateDbServerResponse* response) override;

 private:
  CallOptions CallFor(const grpc::ServerContext& context) const;

  std::shared_ptr<DbServerRepository> repository_;
  Options options_;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_DB_SERVER_SERVICE_H_
