#ifndef DATABASE_SERVICE_PROVISIONING_POOL_PROVISIONER_H_
#define DATABASE_SERVICE_PROVISIONING_POOL_PROVISIONER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/instance_service_client.h"
#include "database_service/pool_admin/pool_admin.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::database_service {

// What ProvisionPool produced: the pool record as stored after provisioning, and
// the server version seen (empty when the server could not be inspected).
struct ProvisionedPool {
  instance::v1::DbServer pool;
  std::string server_version;
};

// The plan's provisioning.py on the client: register a pool with
// instance-service, prepare the real server over libpq, then record the outcome.
//
//   1. Find the pool by `display_name` (ListAllDbServers); register it with
//      CreateDbServer (STATE_PROVISIONING) if it is new. A FAILED pool is moved
//      back to PROVISIONING.
//   2. PoolAdmin::Inspect(): reachable, version at least the minimum, the admin
//      role may create databases and roles.
//   3. UpdateDbServer: STATE_ACTIVE + HEALTH_HEALTHY on success (DRAINING and
//      MAINTENANCE pools keep their state), or STATE_FAILED + HEALTH_UNHEALTHY
//      with the reason in `health_message`.
//
// Re-running it for the same pool is safe: nothing is registered twice and the
// last run's verdict wins. A failed server check is a result, not an error.
//
// Errors: INVALID_ARGUMENT for a malformed `display_name` (checked here because
// it goes into a List filter) or as CreateDbServer reports; ALREADY_EXISTS
// when a pool of that name exists with another host or port; any error of the
// client calls, passed through.
//
// Thread-safe.
class PoolProvisioner {
 public:
  PoolProvisioner(client::InstanceServiceClient client, std::shared_ptr<PoolAdmin> pool_admin)
      : client_(std::move(client)), pool_admin_(std::move(pool_admin)) {}

  // `request.db_server` describes the pool (display_name, host, port,
  // server_type, max_instances, labels); `request.request_id` is passed to
  // CreateDbServer. `deadline` (the caller's) bounds every instance-service call
  // and the inspection of the pool server; nothing is written after it.
  absl::StatusOr<ProvisionedPool> Provision(const instance::v1::CreateDbServerRequest& request,
                                            absl::Time deadline = absl::InfiniteFuture()) const;

 private:
  // The registered pool of that name, or an empty optional.
  absl::StatusOr<std::optional<instance::v1::DbServer>> FindByName(
      const std::string& display_name, const client::CallOptions& call) const;

  client::InstanceServiceClient client_;
  std::shared_ptr<PoolAdmin> pool_admin_;
};

}  // namespace dbs::database_service

#endif  // DATABASE_SERVICE_PROVISIONING_POOL_PROVISIONER_H_
