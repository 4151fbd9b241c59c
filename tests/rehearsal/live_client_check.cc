#include "tests/rehearsal/live_client_check.h"

#include <unistd.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "client/error_reason.h"
#include "client/instance_service_client.h"
#include "client/internal/request_id.h"

namespace dbs::rehearsal {
namespace {

namespace v1 = ::instance::v1;
constexpr char kCanaryType[] = "rehearsal-canary";

class Checks {
 public:
  // Records one check; returns `passed` so callers can stop early.
  bool Expect(bool passed, const std::string& what, const std::string& why = "") {
    if (passed) {
      std::cout << "ok " << what << "\n";
    } else {
      ++failures_;
      std::cout << "FAIL " << what << ": " << why << "\n";
    }
    return passed;
  }
  // A call that must fail with `code` and ErrorInfo `reason`.
  bool ExpectError(const absl::Status& status, absl::StatusCode code, const std::string& reason,
                   const std::string& what) {
    return Expect(status.code() == code && dbs::client::ReasonNameOf(status) == reason, what,
                  status.ToString());
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* path : paths) mask.add_paths(path);
  return mask;
}

}  // namespace

int RunLiveClientCheck(const LiveClientCheckOptions& options) {
  dbs::client::ClientOptions client_options;
  client_options.target = options.target;
  client_options.default_timeout = absl::Seconds(20);
  const auto client = dbs::client::MakeInstanceServiceClient(client_options);
  Checks checks;

  auto listed = client.ListAllDbServers("", /*page_size=*/50);
  if (!checks.Expect(listed.ok(), "ListAllDbServers", listed.status().ToString())) {
    return checks.failures();
  }
  std::cout << "listed " << listed->size() << " pools\n";
  for (const v1::DbServer& pool : *listed) {
    std::cout << "pool " << pool.display_name() << " " << v1::DbServer::State_Name(pool.state())
              << " " << v1::DbServer::Health_Name(pool.health()) << " " << pool.instance_count()
              << "/" << pool.max_instances() << "\n";
  }

  v1::DbServer canary;
  canary.set_display_name(absl::StrCat("rh-canary-", getpid()));
  canary.set_host(options.pool_host);
  canary.set_port(options.pool_port);
  canary.set_server_type(kCanaryType);
  canary.set_max_instances(2);
  (*canary.mutable_labels())["purpose"] = "rehearsal";
  auto created = client.CreateDbServer(canary);
  if (!checks.Expect(created.ok() && created->state() == v1::DbServer::STATE_PROVISIONING,
                     "create_db_server: a PROVISIONING canary", created.status().ToString())) {
    return checks.failures();
  }
  const std::string id = created->id();

  v1::DbServer activate;
  activate.set_id(id);
  activate.set_state(v1::DbServer::STATE_ACTIVE);
  activate.set_health(v1::DbServer::HEALTH_HEALTHY);
  auto active = client.UpdateDbServer(activate, Mask({"state", "health"}));
  checks.Expect(active.ok() && active->state() == v1::DbServer::STATE_ACTIVE &&
                    active->etag() != created->etag(),
                "update_db_server: ACTIVE + HEALTHY with a new etag", active.status().ToString());

  auto available = client.GetAvailablePool(kCanaryType);
  checks.Expect(available.ok() && available->has_value() && (*available)->id() == id,
                "get_available_pool: the canary", available.status().ToString());

  v1::AllocateDbServerRequest allocate;
  allocate.set_server_type(kCanaryType);
  allocate.set_request_id(dbs::client::internal::NewRequestId());
  auto first = client.AllocateDbServer(allocate);
  auto replay = client.AllocateDbServer(allocate);
  checks.Expect(first.ok() && replay.ok() && first->id() == id && replay->instance_count() == 1,
                "AllocateDbServer replayed with its request_id takes one slot",
                first.ok() ? replay.status().ToString() : first.status().ToString());

  v1::IncrementInstanceCountRequest increment;
  increment.set_id(id);
  increment.set_request_id(dbs::client::internal::NewRequestId());
  auto incremented = client.IncrementInstanceCount(increment);
  auto again = client.IncrementInstanceCount(increment);
  checks.Expect(incremented.ok() && again.ok() && again->instance_count() == 2,
                "increment_instance_count replayed counts once (2 of 2)",
                incremented.ok() ? again.status().ToString() : incremented.status().ToString());

  checks.ExpectError(client.IncrementInstanceCount(id).status(),
                     absl::StatusCode::kFailedPrecondition, "DB_SERVER_FULL",
                     "increment_instance_count on a full pool is DB_SERVER_FULL");
  checks.ExpectError(client.AllocateDbServer(kCanaryType).status(),
                     absl::StatusCode::kResourceExhausted, "NO_CAPACITY",
                     "AllocateDbServer with no free slot is NO_CAPACITY");
  checks.ExpectError(client.DeleteDbServer(id), absl::StatusCode::kFailedPrecondition,
                     "DB_SERVER_IN_USE", "DeleteDbServer of a pool in use is DB_SERVER_IN_USE");

  v1::DbServer stale = *created;  // the etag from before the activation
  stale.set_max_instances(3);
  checks.ExpectError(client.UpdateDbServer(stale, Mask({"max_instances"})).status(),
                     absl::StatusCode::kAborted, "ETAG_MISMATCH",
                     "update_db_server with a stale etag is ETAG_MISMATCH");

  for (int slot = 0; slot < 2; ++slot) {
    auto released = client.DecrementInstanceCount(id);
    checks.Expect(released.ok() && released->instance_count() == 1 - slot,
                  "DecrementInstanceCount releases a slot", released.status().ToString());
  }
  checks.Expect(client.DeleteDbServer(id).ok(), "DeleteDbServer of the empty canary");
  checks.ExpectError(client.GetDbServer(id).status(), absl::StatusCode::kNotFound,
                     "DB_SERVER_NOT_FOUND", "GetDbServer after the delete is DB_SERVER_NOT_FOUND");
  return checks.failures();
}

}  // namespace dbs::rehearsal
