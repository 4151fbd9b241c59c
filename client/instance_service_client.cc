#include "client/instance_service_client.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace dbs::client {
namespace {

namespace v1 = ::instance::v1;

// Starts `method` on `connection` and returns a future of `map(result)`.
template <typename Request, typename Response, typename Map>
auto Start(InstanceServiceConnection& connection,
           void (InstanceServiceConnection::*method)(const Request&, absl::Time,
                                                     ResultCallback<Response>),
           const Request& request, absl::Time deadline, Map map) {
  using Result = decltype(map(std::declval<absl::StatusOr<Response>>()));
  auto promise = std::make_shared<std::promise<Result>>();
  std::future<Result> future = promise->get_future();
  (connection.*method)(request, deadline,
                       [promise, map = std::move(map)](absl::StatusOr<Response> result) {
                         promise->set_value(map(std::move(result)));
                       });
  return future;
}

// The response as it is.
struct Whole {
  template <typename Response>
  absl::StatusOr<Response> operator()(absl::StatusOr<Response> result) const {
    return result;
  }
};

// The response's `db_server`.
struct DbServerOf {
  template <typename Response>
  absl::StatusOr<v1::DbServer> operator()(absl::StatusOr<Response> result) const {
    if (!result.ok()) return result.status();
    return std::move(*result->mutable_db_server());
  }
};

// FindAvailableDbServer's NOT_FOUND as an empty optional.
absl::StatusOr<std::optional<v1::DbServer>> OptionalPool(
    absl::StatusOr<v1::FindAvailableDbServerResponse> result) {
  if (result.status().code() == absl::StatusCode::kNotFound) {
    return std::optional<v1::DbServer>();
  }
  if (!result.ok()) return result.status();
  return std::optional<v1::DbServer>(std::move(*result->mutable_db_server()));
}

absl::Status StatusOnly(const absl::StatusOr<v1::DeleteDbServerResponse>& result) {
  return result.status();
}

}  // namespace

InstanceServiceClient::InstanceServiceClient(std::shared_ptr<InstanceServiceConnection> connection,
                                             absl::Duration default_timeout)
    : connection_(std::move(connection)), default_timeout_(default_timeout) {}

absl::Time InstanceServiceClient::DeadlineFor(const CallOptions& call) const {
  const absl::Time now = absl::Now();
  if (call.deadline == absl::InfiniteFuture()) return now + call.timeout.value_or(default_timeout_);
  return call.timeout ? std::min(call.deadline, now + *call.timeout) : call.deadline;
}

absl::StatusOr<v1::ListDbServersResponse> InstanceServiceClient::ListDbServers(
    const v1::ListDbServersRequest& request, const CallOptions& call) const {
  return AsyncListDbServers(request, call).get();
}

absl::StatusOr<std::vector<v1::DbServer>> InstanceServiceClient::ListAllDbServers(
    const std::string& filter, int page_size, const CallOptions& call) const {
  std::vector<v1::DbServer> all;
  v1::ListDbServersRequest request;
  request.set_filter(filter);
  request.set_page_size(page_size);
  while (true) {
    auto page = ListDbServers(request, call);
    if (!page.ok()) return page.status();
    for (v1::DbServer& db_server : *page->mutable_db_servers()) all.push_back(std::move(db_server));
    if (page->next_page_token().empty()) return all;
    request.set_page_token(page->next_page_token());
  }
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::GetDbServer(const std::string& id,
                                                                const CallOptions& call) const {
  return AsyncGetDbServer(id, call).get();
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::CreateDbServer(const v1::DbServer& db_server,
                                                                   const CallOptions& call) const {
  v1::CreateDbServerRequest request;
  *request.mutable_db_server() = db_server;
  return CreateDbServer(request, call);
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::CreateDbServer(
    const v1::CreateDbServerRequest& request, const CallOptions& call) const {
  return AsyncCreateDbServer(request, call).get();
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::UpdateDbServer(
    const v1::DbServer& db_server, const google::protobuf::FieldMask& update_mask,
    const CallOptions& call) const {
  v1::UpdateDbServerRequest request;
  *request.mutable_db_server() = db_server;
  *request.mutable_update_mask() = update_mask;
  return UpdateDbServer(request, call);
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::UpdateDbServer(
    const v1::UpdateDbServerRequest& request, const CallOptions& call) const {
  return AsyncUpdateDbServer(request, call).get();
}

absl::Status InstanceServiceClient::DeleteDbServer(const std::string& id, const std::string& etag,
                                                   bool allow_missing,
                                                   const CallOptions& call) const {
  v1::DeleteDbServerRequest request;
  request.set_id(id);
  request.set_etag(etag);
  request.set_allow_missing(allow_missing);
  return DeleteDbServer(request, call);
}

absl::Status InstanceServiceClient::DeleteDbServer(const v1::DeleteDbServerRequest& request,
                                                   const CallOptions& call) const {
  return AsyncDeleteDbServer(request, call).get();
}

absl::StatusOr<std::optional<v1::DbServer>> InstanceServiceClient::GetAvailablePool(
    const std::string& server_type, const CallOptions& call) const {
  return AsyncGetAvailablePool(server_type, call).get();
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::FindAvailableDbServer(
    const std::string& server_type, const CallOptions& call) const {
  v1::FindAvailableDbServerRequest request;
  request.set_server_type(server_type);
  return Start(*connection_, &InstanceServiceConnection::FindAvailableDbServer, request,
               DeadlineFor(call), DbServerOf())
      .get();
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::IncrementInstanceCount(
    const std::string& id, const CallOptions& call) const {
  v1::IncrementInstanceCountRequest request;
  request.set_id(id);
  return IncrementInstanceCount(request, call);
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::IncrementInstanceCount(
    const v1::IncrementInstanceCountRequest& request, const CallOptions& call) const {
  return AsyncIncrementInstanceCount(request, call).get();
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::DecrementInstanceCount(
    const std::string& id, const CallOptions& call) const {
  v1::DecrementInstanceCountRequest request;
  request.set_id(id);
  return DecrementInstanceCount(request, call);
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::DecrementInstanceCount(
    const v1::DecrementInstanceCountRequest& request, const CallOptions& call) const {
  return AsyncDecrementInstanceCount(request, call).get();
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::AllocateDbServer(
    const std::string& server_type, const CallOptions& call) const {
  v1::AllocateDbServerRequest request;
  request.set_server_type(server_type);
  return AllocateDbServer(request, call);
}

absl::StatusOr<v1::DbServer> InstanceServiceClient::AllocateDbServer(
    const v1::AllocateDbServerRequest& request, const CallOptions& call) const {
  return AsyncAllocateDbServer(request, call).get();
}

std::future<absl::StatusOr<v1::ListDbServersResponse>> InstanceServiceClient::AsyncListDbServers(
    const v1::ListDbServersRequest& request, const CallOptions& call) const {
  return Start(*connection_, &InstanceServiceConnection::ListDbServers, request, DeadlineFor(call),
               Whole());
}

std::future<absl::StatusOr<v1::DbServer>> InstanceServiceClient::AsyncGetDbServer(
    const std::string& id, const CallOptions& call) const {
  v1::GetDbServerRequest request;
  request.set_id(id);
  return Start(*connection_, &InstanceServiceConnection::GetDbServer, request, DeadlineFor(call),
               DbServerOf());
}

std::future<absl::StatusOr<v1::DbServer>> InstanceServiceClient::AsyncCreateDbServer(
    const v1::CreateDbServerRequest& request, const CallOptions& call) const {
  return Start(*connection_, &InstanceServiceConnection::CreateDbServer, request, DeadlineFor(call),
               DbServerOf());
}

std::future<absl::StatusOr<v1::DbServer>> InstanceServiceClient::AsyncUpdateDbServer(
    const v1::UpdateDbServerRequest& request, const CallOptions& call) const {
  return Start(*connection_, &InstanceServiceConnection::UpdateDbServer, request, DeadlineFor(call),
               DbServerOf());
}

std::future<absl::Status> InstanceServiceClient::AsyncDeleteDbServer(
    const v1::DeleteDbServerRequest& request, const CallOptions& call) const {
  return Start(*connection_, &InstanceServiceConnection::DeleteDbServer, request, DeadlineFor(call),
               &StatusOnly);
}

std::future<absl::StatusOr<std::optional<v1::DbServer>>>
InstanceServiceClient::AsyncGetAvailablePool(const std::string& server_type,
                                             const CallOptions& call) const {
  v1::FindAvailableDbServerRequest request;
  request.set_server_type(server_type);
  return Start(*connection_, &InstanceServiceConnection::FindAvailableDbServer, request,
               DeadlineFor(call), &OptionalPool);
}

std::future<absl::StatusOr<v1::DbServer>> InstanceServiceClient::AsyncIncrementInstanceCount(
    const v1::IncrementInstanceCountRequest& request, const CallOptions& call) const {
  return Start(*connection_, &InstanceServiceConnection::IncrementInstanceCount, request,
               DeadlineFor(call), DbServerOf());
}

std::future<absl::StatusOr<v1::DbServer>> InstanceServiceClient::AsyncDecrementInstanceCount(
    const v1::DecrementInstanceCountRequest& request, const CallOptions& call) const {
  return Start(*connection_, &InstanceServiceConnection::DecrementInstanceCount, request,
               DeadlineFor(call), DbServerOf());
}

std::future<absl::StatusOr<v1::DbServer>> InstanceServiceClient::AsyncAllocateDbServer(
    const v1::AllocateDbServerRequest& request, const CallOptions& call) const {
  return Start(*connection_, &InstanceServiceConnection::AllocateDbServer, request,
               DeadlineFor(call), DbServerOf());
}

InstanceServiceClient MakeInstanceServiceClient(ClientOptions options) {
  const absl::Duration default_timeout = options.default_timeout;
  return InstanceServiceClient(MakeInstanceServiceConnection(std::move(options)), default_timeout);
}

}  // namespace dbs::client
