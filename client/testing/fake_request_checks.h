#ifndef CLIENT_TESTING_FAKE_REQUEST_CHECKS_H_
#define CLIENT_TESTING_FAKE_REQUEST_CHECKS_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::client::testing_internal {

// The request rules of proto/instance/v1/db_servers.proto as the fake enforces
// them. Each returns OK or INVALID_ARGUMENT with the server's reason
// (INVALID_FIELD, INVALID_UPDATE_MASK, INVALID_FILTER) and field violations.

absl::Status CheckId(const std::string& field, const std::string& id);
absl::Status CheckRequestId(const std::string& request_id);
absl::Status CheckServerType(const std::string& field, const std::string& server_type);
absl::Status CheckNewDbServer(const instance::v1::DbServer& db_server);
// The update mask and the values of the paths it names.
absl::Status CheckUpdate(const instance::v1::UpdateDbServerRequest& request);

// Whether the lifecycle allows `from` -> `to` (setting the same state is allowed).
bool TransitionAllowed(instance::v1::DbServer::State from, instance::v1::DbServer::State to);

// A parsed ListDbServersRequest.filter.
using DbServerPredicate = std::function<bool(const instance::v1::DbServer&)>;
absl::StatusOr<DbServerPredicate> ParseFilter(const std::string& filter);

}  // namespace dbs::client::testing_internal

#endif  // CLIENT_TESTING_FAKE_REQUEST_CHECKS_H_
