#ifndef PQ_PG_OBSERVER_H_
#define PQ_PG_OBSERVER_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace dbs::pq {

// What a PgPool and its connections report, for metrics. pq depends on no metrics
// library: the process that owns one implements this (instance-service: the
// dbs_pq_* families of metrics/pq_pool_metrics.h) and passes it in PgPoolOptions.
//
// Called on the hot path, ConnectionsChanged with the pool's lock held: keep every
// method cheap, non-blocking and thread-safe, and never call back into the pool.
class PgObserver {
 public:
  virtual ~PgObserver() = default;

  // The pool's connections changed: `in_use` handed out (or being opened),
  // `idle` waiting in the pool.
  virtual void ConnectionsChanged(int in_use, int idle) = 0;

  // One PgPool::Acquire() returned after `wait` (a connection, or an error).
  virtual void AcquireWaited(absl::Duration wait) = 0;

  // Statement `name` answered (rows or an error) `elapsed` after its pipeline was
  // sent. `name` is a PgStatement name, or "simple_query" for fixed SQL run with
  // PgConnection::Execute(sql) (BEGIN, COMMIT, migrations): a bounded set.
  virtual void StatementAnswered(absl::string_view name, absl::Duration elapsed) = 0;
};

}  // namespace dbs::pq

#endif  // PQ_PG_OBSERVER_H_
