#include "pq/pg_pool.h"

#include <algorithm>
#include <utility>

#include "pq/pg_error.h"

namespace dbs::pq {

PooledConnection::PooledConnection(PgPool* pool, std::unique_ptr<PgConnection> connection,
                                   bool reused)
    : pool_(pool), connection_(std::move(connection)), reused_(reused) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      reused_(other.reused_) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr && connection_ != nullptr) pool_->Release(std::move(connection_));
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    reused_ = other.reused_;
  }
  return *this;
}

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->Release(std::move(connection_));
}

PgPool::PgPool(PgPoolOptions options) : options_(std::move(options)) {}

PgPool::~PgPool() = default;

absl::StatusOr<PooledConnection> PgPool::Acquire(absl::Time deadline) {
  if (options_.observer == nullptr) return AcquireUntil(deadline);
  const absl::Time start = absl::Now();
  auto connection = AcquireUntil(deadline);
  options_.observer->AcquireWaited(absl::Now() - start);
  return connection;
}

void PgPool::ConnectionsChangedLocked() {
  if (options_.observer == nullptr) return;
  const int idle = static_cast<int>(idle_.size());
  options_.observer->ConnectionsChanged(open_ - idle, idle);
}

absl::StatusOr<PooledConnection> PgPool::AcquireUntil(absl::Time deadline) {
  const absl::Time wait_until = std::min(deadline, absl::Now() + options_.max_wait);
  while (true) {
    std::unique_ptr<PgConnection> idle;
    {
      absl::MutexLock lock(&mu_);
      while (idle == nullptr) {
        if (!idle_.empty()) {
          idle = std::move(idle_.back());
          idle_.pop_back();
          ConnectionsChangedLocked();
          break;
        }
        if (open_ < options_.max_connections) {
          ++open_;  // reserve the slot, connect without holding the lock
          ConnectionsChangedLocked();
          break;
        }
        if (absl::Now() >= wait_until) {
          if (wait_until >= deadline) return DeadlineError("waiting for a database connection");
          return PgError(PgErrorKind::kPoolExhausted, absl::StatusCode::kUnavailable,
                         "waiting for a database connection",
                         "all connections are busy; retry with backoff");
        }
        available_.WaitWithDeadline(&mu_, wait_until);
      }
    }
    if (idle == nullptr) break;  // a slot is reserved: open a new connection
    // Outside the lock: a connection the server closed while it sat idle (restart)
    // is noticed here, before anything is sent into it.
    if (idle->IsIdleAndHealthy() && idle->CheckAlive()) {
      return PooledConnection(this, std::move(idle), /*reused=*/true);
    }
    idle.reset();
    absl::MutexLock lock(&mu_);
    --open_;
    ConnectionsChangedLocked();
  }
  auto connection = Connect(deadline);
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    ConnectionsChangedLocked();
    available_.Signal();
    return connection.status();
  }
  (*connection)->set_observer(options_.observer);
  return PooledConnection(this, *std::move(connection), /*reused=*/false);
}

void PgPool::Release(std::unique_ptr<PgConnection> connection) {
  std::vector<std::unique_ptr<PgConnection>> closing;  // closed after unlocking
  {
    absl::MutexLock lock(&mu_);
    if (connection->IsIdleAndHealthy()) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
      if (connection->IsBroken()) {
        open_ -= static_cast<int>(idle_.size());
        closing.swap(idle_);
      }
      closing.push_back(std::move(connection));
    }
    ConnectionsChangedLocked();
    available_.SignalAll();
  }
}

absl::Status PgPool::Ping(absl::Time deadline) {
  absl::MutexLock lock(&ping_mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = ping_connection_ != nullptr;
    if (!reused) {
      auto connection = Connect(deadline);
      if (!connection.ok()) return connection.status();
      ping_connection_ = *std::move(connection);
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return DeadlineError("ping");
    auto result = ping_connection_->Execute("SELECT 1");
    if (result.ok()) return absl::OkStatus();
    const bool broken = ping_connection_->IsBroken();
    if (broken || !ping_connection_->IsIdleAndHealthy()) ping_connection_.reset();
    // A connection that died while idle (server restart) gets one fresh retry.
    if (!reused || !broken) return result.status();
  }
  return ConnectionLostError("ping");
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgPool::Connect(absl::Time deadline) const {
  PgConnectOptions connect;
  connect.conninfo = options_.conninfo;
  connect.application_name = options_.application_name;
  connect.connect_timeout = options_.connect_timeout;
  return PgConnection::Connect(connect, deadline);
}

int PgPool::open_count() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int PgPool::idle_count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(idle_.size());
}

}  // namespace dbs::pq
