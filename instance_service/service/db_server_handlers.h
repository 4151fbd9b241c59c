#ifndef INSTANCE_SERVICE_SERVICE_DB_SERVER_HANDLERS_H_
#define INSTANCE_SERVICE_SERVICE_DB_SERVER_HANDLERS_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "instance/v1/db_servers.pb.h"
#include "instance_service/repository/db_server_repository.h"

namespace dbs::instance {

// What each RPC of instance.v1.DbServerService does, without the transport:
// validate the request (request_validation.h, update_mask.h, filter_parser.h,
// state_transitions.h, page_token.h), make the one
// repository call, map the record into the response. Errors are absl::Status
// values of the error vocabulary (errors/error_status.h) with the contract's
// reasons and ErrorInfo metadata (`id`, `display_name` or `server_type` naming
// what the call was about); see proto/instance/v1/db_servers.proto.
//
// DbServerServiceImpl runs these behind gRPC's callback API over the PostgreSQL
// repository; the unit tests run them over InMemoryDbServerRepository.
//
// `deadline` bounds the repository call. Each method fills `response` only when
// it returns OK. Thread-safe when the repository is.
class DbServerHandlers {
 public:
  explicit DbServerHandlers(std::shared_ptr<DbServerRepository> repository);

  absl::Status ListDbServers(const ::instance::v1::ListDbServersRequest& request,
                             absl::Time deadline,
                             ::instance::v1::ListDbServersResponse* response) const;
  absl::Status GetDbServer(const ::instance::v1::GetDbServerRequest& request, absl::Time deadline,
                           ::instance::v1::GetDbServerResponse* response) const;
  absl::Status CreateDbServer(const ::instance::v1::CreateDbServerRequest& request,
                              absl::Time deadline,
                              ::instance::v1::CreateDbServerResponse* response) const;
  absl::Status UpdateDbServer(const ::instance::v1::UpdateDbServerRequest& request,
                              absl::Time deadline,
                              ::instance::v1::UpdateDbServerResponse* response) const;
  absl::Status DeleteDbServer(const ::instance::v1::DeleteDbServerRequest& request,
                              absl::Time deadline,
                              ::instance::v1::DeleteDbServerResponse* response) const;
  absl::Status FindAvailableDbServer(const ::instance::v1::FindAvailableDbServerRequest& request,
                                     absl::Time deadline,
                                     ::instance::v1::FindAvailableDbServerResponse* response) const;
  absl::Status IncrementInstanceCount(
      const ::instance::v1::IncrementInstanceCountRequest& request, absl::Time deadline,
      ::instance::v1::IncrementInstanceCountResponse* response) const;
  absl::Status DecrementInstanceCount(
      const ::instance::v1::DecrementInstanceCountRequest& request, absl::Time deadline,
      ::instance::v1::DecrementInstanceCountResponse* response) const;
  absl::Status AllocateDbServer(const ::instance::v1::AllocateDbServerRequest& request,
                                absl::Time deadline,
                                ::instance::v1::AllocateDbServerResponse* response) const;

 private:
  std::shared_ptr<DbServerRepository> repository_;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_SERVICE_DB_SERVER_HANDLERS_H_
