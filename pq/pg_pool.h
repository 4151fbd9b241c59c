#ifndef PQ_PG_POOL_H_
#define PQ_PG_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pq/pg_connection.h"
#include "pq/pg_observer.h"

namespace dbs::pq {

struct PgPoolOptions {
  // libpq connection string or URI. Never logged and never put in an error message.
  std::string conninfo;
  // At most this many connections are open at once (idle + handed out).
  int max_connections = 16;
  // Bound on opening one connection, so a dead database fails fast.
  absl::Duration connect_timeout = absl::Seconds(3);
  // application_name of the pool's connections (pg_stat_activity), e.g.
  // "instance-service"; a conninfo setting wins.
  std::string application_name;
  // Bound on waiting for a free connection even when the caller's deadline is
  // later (or infinite): overload answers quickly instead of queueing.
  absl::Duration max_wait = absl::Seconds(5);
  // Told about connections in use and idle, acquire waits, and every statement
  // the pool's connections run; null: nothing reported. Not owned; must outlive
  // the pool.
  PgObserver* observer = nullptr;
};

class PgPool;

// A connection borrowed from a PgPool; gives it back on destruction. The pool
// keeps it only if it is healthy and idle (no open transaction), else closes it.
// Move-only; must not outlive its pool.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  PgConnection& operator*() const { return *connection_; }
  PgConnection* operator->() const { return connection_.get(); }
  // True when it came from the idle list: it may have died while idle (e.g. the
  // server restarted), so a failure on its first statement may be retried once
  // with a fresh connection.
  bool reused() const { return reused_; }

 private:
  friend class PgPool;
  PooledConnection(PgPool* pool, std::unique_ptr<PgConnection> connection, bool reused);

  PgPool* pool_ = nullptr;
  std::unique_ptr<PgConnection> connection_;
  bool reused_ = false;
};

// A bounded pool of PostgreSQL connections, opened lazily.
//
// Acquire() hands out an idle healthy connection, opens a new one while fewer than
// max_connections are open, or waits for one to come back. It never waits past the
// caller's deadline nor past max_wait (errors: pg_error.h):
//   kDeadline DEADLINE_EXCEEDED      the caller's deadline came first
//   kPoolExhausted UNAVAILABLE       max_wait came first (all connections busy)
//   kConnect UNAVAILABLE             a new connection could not be opened
// A connection returned broken or inside a transaction is closed; a broken one also
// closes every idle connection (they most likely died with the same server), so
// after a database restart the pool reconnects by itself.
//
// Thread-safe. Destroy it only after every PooledConnection is gone.
class PgPool {
 public:
  explicit PgPool(PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  absl::StatusOr<PooledConnection> Acquire(absl::Time deadline);

  // OK when the database answers `SELECT 1` before `deadline` (readiness). Uses a
  // dedicated connection outside max_connections, so a saturated pool still reads
  // as a reachable database; it reconnects when that connection is found dead.
  // Errors: kConnect / kConnectionLost UNAVAILABLE, kDeadline DEADLINE_EXCEEDED.
  absl::Status Ping(absl::Time deadline);

  // Snapshot counts, for tests and metrics.
  int open_count() const;
  int idle_count() const;

 private:
  friend class PooledConnection;
  absl::StatusOr<PooledConnection> AcquireUntil(absl::Time deadline);
  void Release(std::unique_ptr<PgConnection> connection);
  // Tells the observer the current counts.
  void ConnectionsChangedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::unique_ptr<PgConnection>> Connect(absl::Time deadline) const;

  const PgPoolOptions options_;
  mutable absl::Mutex mu_;
  absl::CondVar available_;
  std::vector<std::unique_ptr<PgConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + handed out + being opened

  absl::Mutex ping_mu_;  // serialises Ping(); never held with mu_
  std::unique_ptr<PgConnection> ping_connection_ ABSL_GUARDED_BY(ping_mu_);
};

}  // namespace dbs::pq

#endif  // PQ_PG_POOL_H_
