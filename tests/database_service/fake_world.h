#ifndef TESTS_DATABASE_SERVICE_FAKE_WORLD_H_
#define TESTS_DATABASE_SERVICE_FAKE_WORLD_H_

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "client/instance_service_client.h"
#include "client/testing/fake_instance_service.h"
#include "database_service/pool_admin/testing/fake_pool_admin.h"
#include "google/protobuf/field_mask.pb.h"

namespace dbs::database_service::testing {

// Forwards every call to `inner`, except that UpdateDbServer fails with
// UNAVAILABLE while `fail_updates` is set (DecrementInstanceCount while
// `fail_decrements` is, AllocateDbServer while `fail_allocates` is):
// instance-service failing mid-flow.
class FailingUpdates : public client::InstanceServiceConnection {
 public:
  explicit FailingUpdates(std::shared_ptr<client::InstanceServiceConnection> inner)
      : inner_(std::move(inner)) {}
  std::atomic<bool> fail_updates{false};
  std::atomic<bool> fail_decrements{false};
  std::atomic<bool> fail_allocates{false};

  void ListDbServers(const instance::v1::ListDbServersRequest& r, absl::Time d,
                     client::ResultCallback<instance::v1::ListDbServersResponse> done) override {
    inner_->ListDbServers(r, d, std::move(done));
  }
  void GetDbServer(const instance::v1::GetDbServerRequest& r, absl::Time d,
                   client::ResultCallback<instance::v1::GetDbServerResponse> done) override {
    inner_->GetDbServer(r, d, std::move(done));
  }
  void CreateDbServer(const instance::v1::CreateDbServerRequest& r, absl::Time d,
                      client::ResultCallback<instance::v1::CreateDbServerResponse> done) override {
    inner_->CreateDbServer(r, d, std::move(done));
  }
  void UpdateDbServer(const instance::v1::UpdateDbServerRequest& r, absl::Time d,
                      client::ResultCallback<instance::v1::UpdateDbServerResponse> done) override {
    if (fail_updates) return done(absl::UnavailableError("injected: update lost"));
    inner_->UpdateDbServer(r, d, std::move(done));
  }
  void DeleteDbServer(const instance::v1::DeleteDbServerRequest& r, absl::Time d,
                      client::ResultCallback<instance::v1::DeleteDbServerResponse> done) override {
    inner_->DeleteDbServer(r, d, std::move(done));
  }
  void FindAvailableDbServer(
      const instance::v1::FindAvailableDbServerRequest& r, absl::Time d,
      client::ResultCallback<instance::v1::FindAvailableDbServerResponse> done) override {
    inner_->FindAvailableDbServer(r, d, std::move(done));
  }
  void IncrementInstanceCount(
      const instance::v1::IncrementInstanceCountRequest& r, absl::Time d,
      client::ResultCallback<instance::v1::IncrementInstanceCountResponse> done) override {
    inner_->IncrementInstanceCount(r, d, std::move(done));
  }
  void DecrementInstanceCount(
      const instance::v1::DecrementInstanceCountRequest& r, absl::Time d,
      client::ResultCallback<instance::v1::DecrementInstanceCountResponse> done) override {
    if (fail_decrements) return done(absl::UnavailableError("injected: decrement lost"));
    inner_->DecrementInstanceCount(r, d, std::move(done));
  }
  void AllocateDbServer(
      const instance::v1::AllocateDbServerRequest& r, absl::Time d,
      client::ResultCallback<instance::v1::AllocateDbServerResponse> done) override {
    if (fail_allocates) return done(absl::UnavailableError("injected: allocate lost"));
    inner_->AllocateDbServer(r, d, std::move(done));
  }

 private:
  std::shared_ptr<client::InstanceServiceConnection> inner_;
};

// The flows' whole world in memory: instance-service (the client's fake) and
// the pool servers (FakePoolAdmin).
struct FakeWorld {
  std::shared_ptr<client::testing::FakeInstanceService> instance_service =
      std::make_shared<client::testing::FakeInstanceService>();
  client::InstanceServiceClient client{instance_service};
  std::shared_ptr<FakePoolAdmin> pool_admin = std::make_shared<FakePoolAdmin>();

  // Registers pool `name` at 10.0.0.1:`port` in `state` and `health`, with a
  // fake server answering there.
  instance::v1::DbServer AddPool(
      const std::string& name, int port, int max_instances = 10,
      instance::v1::DbServer::State state = instance::v1::DbServer::STATE_ACTIVE,
      instance::v1::DbServer::Health health = instance::v1::DbServer::HEALTH_HEALTHY) {
    instance::v1::DbServer pool;
    pool.set_display_name(name);
    pool.set_host("10.0.0.1");
    pool.set_port(port);
    pool.set_server_type("postgres");
    pool.set_max_instances(max_instances);
    auto created = client.CreateDbServer(pool);
    REQUIRE(created.ok());
    pool_admin->Add({"10.0.0.1", port});
    if (state == instance::v1::DbServer::STATE_PROVISIONING) return *created;
    // PROVISIONING may only become ACTIVE (or FAILED); other states go through ACTIVE.
    instance::v1::DbServer pool_now = *created;
    for (auto step : {instance::v1::DbServer::STATE_ACTIVE, state}) {
      instance::v1::DbServer change;
      change.set_id(created->id());
      change.set_state(step);
      change.set_health(health);
      google::protobuf::FieldMask mask;
      mask.add_paths("state");
      mask.add_paths("health");
      auto updated = client.UpdateDbServer(change, mask);
      REQUIRE(updated.ok());
      pool_now = *updated;
    }
    return pool_now;
  }

  instance::v1::DbServer Read(const std::string& id) {
    auto pool = client.GetDbServer(id);
    REQUIRE(pool.ok());
    return *pool;
  }
};

}  // namespace dbs::database_service::testing

#endif  // TESTS_DATABASE_SERVICE_FAKE_WORLD_H_
