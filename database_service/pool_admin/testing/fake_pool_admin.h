#ifndef DATABASE_SERVICE_POOL_ADMIN_TESTING_FAKE_POOL_ADMIN_H_
#define DATABASE_SERVICE_POOL_ADMIN_TESTING_FAKE_POOL_ADMIN_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "database_service/pool_admin/pool_admin.h"

namespace dbs::database_service::testing {

// In-memory pool servers for unit tests of the flows, keyed by "host:port". A
// server answers once Add()ed; tests take it down, slow it, or plant databases.
// The same observable semantics as PostgresPoolAdmin: owner roles, ALREADY_EXISTS
// for a foreign database, the role dropped separately. Thread-safe.
class FakePoolAdmin : public PoolAdmin {
 public:
  struct Server {
    absl::Status down = absl::OkStatus();            // non-OK: every call fails with it
    absl::Duration latency = absl::Milliseconds(1);  // Probe() sleeps this long
    std::string version = "15.5";
    int version_num = 150005;
    std::map<std::string, std::string> databases;   // name -> owner
    std::map<std::string, uint32_t> roles;          // name -> OID, unique per creation
    std::map<std::string, uint32_t> database_oids;  // set by CreateTenantDatabase
    int create_calls = 0;
    // True: a tenant change "is running", so LeaseTenants answers ABORTED.
    bool tenant_change_running = false;
    bool leased = false;  // a TenantLease is held
  };

  static std::string Key(const PoolEndpoint& endpoint) {
    return absl::StrCat(endpoint.host, ":", endpoint.port);
  }

  // Makes a server answer at `endpoint`.
  void Add(const PoolEndpoint& endpoint) {
    std::lock_guard<std::mutex> lock(mu_);
    servers_[Key(endpoint)];
  }
  // Runs `change` on the server's state (Add()s it first if needed).
  template <typename Fn>
  void Change(const PoolEndpoint& endpoint, Fn change) {
    std::lock_guard<std::mutex> lock(mu_);
    change(servers_[Key(endpoint)]);
  }
  Server Get(const PoolEndpoint& endpoint) {
    std::lock_guard<std::mutex> lock(mu_);
    return servers_[Key(endpoint)];
  }
  // The deadline the latest call was given (the caller's, as propagated).
  absl::Time last_deadline() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_deadline_;
  }
  // The next `count` DropTenantRole calls fail with UNAVAILABLE.
  void FailNextRoleDrops(int count) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_role_drops_ = count;
  }

  absl::StatusOr<PoolServerInfo> Inspect(const PoolEndpoint& endpoint,
                                         absl::Time deadline) override {
    Saw(deadline);
    std::lock_guard<std::mutex> lock(mu_);
    auto server = Reach(endpoint);
    if (!server.ok()) return server.status();
    return PoolServerInfo{(*server)->version_num, (*server)->version, true};
  }

  absl::StatusOr<absl::Duration> Probe(const PoolEndpoint& endpoint, absl::Time deadline) override {
    Saw(deadline);
    absl::Duration latency;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto server = Reach(endpoint);
      if (!server.ok()) return server.status();
      latency = (*server)->latency;
    }
    absl::SleepFor(latency);
    return latency;
  }

  absl::StatusOr<TenantDatabase> CreateTenantDatabase(const PoolEndpoint& endpoint,
                                                      const std::string& name,
                                                      absl::Time deadline) override {
    Saw(deadline);
    if (absl::Status valid = ValidateTenantDatabaseName(name); !valid.ok()) return valid;
    std::lock_guard<std::mutex> lock(mu_);
    auto server = Reach(endpoint);
    if (!server.ok()) return server.status();
    ++(*server)->create_calls;
    TenantDatabase tenant{name, OwnerRoleFor(name), false};
    auto existing = (*server)->databases.find(name);
    if (existing != (*server)->databases.end()) {
      if (existing->second == tenant.owner_role) return tenant;
      return absl::AlreadyExistsError(absl::StrCat("database '", name, "' already exists"));
    }
    if ((*server)->roles.count(tenant.owner_role) == 0) {
      (*server)->roles[tenant.owner_role] = next_oid_++;
    }
    (*server)->databases[name] = tenant.owner_role;
    (*server)->database_oids[name] = next_oid_++;
    tenant.created = true;
    return tenant;
  }

  absl::StatusOr<DroppedTenant> DropTenantDatabase(const PoolEndpoint& endpoint,
                                                   const std::string& name,
                                                   absl::Time deadline) override {
    Saw(deadline);
    if (absl::Status valid = ValidateTenantDatabaseName(name); !valid.ok()) return valid;
    std::lock_guard<std::mutex> lock(mu_);
    auto server = Reach(endpoint);
    if (!server.ok()) return server.status();
    DroppedTenant dropped;
    auto existing = (*server)->databases.find(name);
    if (existing != (*server)->databases.end()) {
      if (existing->second != OwnerRoleFor(name)) {
        return absl::FailedPreconditionError("not a tenant database");
      }
      (*server)->databases.erase(existing);
      (*server)->database_oids.erase(name);
      dropped.database_existed = true;
    }
    auto role = (*server)->roles.find(OwnerRoleFor(name));
    dropped.role_exists = role != (*server)->roles.end();
    dropped.role_oid = dropped.role_exists ? role->second : 0;
    return dropped;
  }

  absl::Status DropTenantRole(const PoolEndpoint& endpoint, const std::string& name,
                              absl::Time deadline) override {
    Saw(deadline);
    if (absl::Status valid = ValidateTenantDatabaseName(name); !valid.ok()) return valid;
    std::lock_guard<std::mutex> lock(mu_);
    auto server = Reach(endpoint);
    if (!server.ok()) return server.status();
    if (failing_role_drops_ > 0) {
      --failing_role_drops_;
      return absl::UnavailableError("injected: connection lost");
    }
    if ((*server)->databases.count(name) > 0) {
      return absl::FailedPreconditionError("role still owns its database");
    }
    (*server)->roles.erase(OwnerRoleFor(name));
    return absl::OkStatus();
  }

  // Never waits: a running change ("tenant_change_running") or a lease held is
  // ABORTED at once.
  absl::StatusOr<std::unique_ptr<TenantLease>> LeaseTenants(const PoolEndpoint& endpoint,
                                                            absl::Duration) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto server = Reach(endpoint);
    if (!server.ok()) return server.status();
    if ((*server)->tenant_change_running || (*server)->leased) {
      return absl::AbortedError("a tenant create or drop is running on the pool server");
    }
    (*server)->leased = true;
    return std::make_unique<Lease>(this, Key(endpoint));
  }

 private:
  void Saw(absl::Time deadline) {
    std::lock_guard<std::mutex> lock(mu_);
    last_deadline_ = deadline;
  }
  // The fake's TenantLease: reads and changes the server under the fake's mutex.
  class Lease : public TenantLease {
   public:
    Lease(FakePoolAdmin* admin, std::string key) : admin_(admin), key_(std::move(key)) {}
    ~Lease() override {
      std::lock_guard<std::mutex> lock(admin_->mu_);
      admin_->servers_[key_].leased = false;
    }
    absl::StatusOr<TenantInventory> Inventory() override {
      std::lock_guard<std::mutex> lock(admin_->mu_);
      Server& server = admin_->servers_[key_];
      if (!server.down.ok()) return server.down;
      TenantInventory inventory;
      for (const auto& [name, owner] : server.databases) {
        if (owner != OwnerRoleFor(name) || !ValidateTenantDatabaseName(name).ok()) continue;
        auto oid = server.database_oids.find(name);
        inventory.databases[name] = oid == server.database_oids.end() ? 0 : oid->second;
      }
      const std::string suffix = OwnerRoleFor("");
      for (const auto& [role, oid] : server.roles) {
        if (role.size() <= suffix.size() ||
            role.compare(role.size() - suffix.size(), suffix.size(), suffix) != 0) {
          continue;
        }
        const std::string name = role.substr(0, role.size() - suffix.size());
        if (inventory.databases.count(name) == 0) inventory.orphan_roles[name] = oid;
      }
      return inventory;
    }
    absl::Status DropOrphanRole(const std::string& name) override {
      std::lock_guard<std::mutex> lock(admin_->mu_);
      Server& server = admin_->servers_[key_];
      if (!server.down.ok()) return server.down;
      if (server.databases.count(name) > 0) {
        return absl::FailedPreconditionError("role still owns its database");
      }
      server.roles.erase(OwnerRoleFor(name));
      return absl::OkStatus();
    }

   private:
    FakePoolAdmin* admin_;
    std::string key_;
  };

  absl::StatusOr<Server*> Reach(const PoolEndpoint& endpoint) {
    auto found = servers_.find(Key(endpoint));
    if (found == servers_.end()) {
      return absl::UnavailableError(
          absl::StrCat("connection to ", Key(endpoint), " refused (no such fake server)"));
    }
    if (!found->second.down.ok()) return found->second.down;
    return &found->second;
  }

  std::mutex mu_;
  std::map<std::string, Server> servers_;
  int failing_role_drops_ = 0;
  absl::Time last_deadline_ = absl::InfinitePast();
  uint32_t next_oid_ = 16384;  // like PostgreSQL's first user OID; never reused
};

}  // namespace dbs::database_service::testing

#endif  // DATABASE_SERVICE_POOL_ADMIN_TESTING_FAKE_POOL_ADMIN_H_
