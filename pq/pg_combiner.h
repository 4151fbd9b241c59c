#ifndef PQ_PG_COMBINER_H_
#define PQ_PG_COMBINER_H_

#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pq/pg_connection.h"
#include "pq/pg_pool.h"

namespace dbs::pq {

struct PgCombinerOptions {
  // Batches in flight at once, each on a pooled connection of its own. Keep it
  // below the pool's size, so that work outside the combiner finds connections.
  int max_batches = 8;
  // Statements in one batch, at most.
  int max_batch_size = 16;
};

// Shares database round trips between concurrent callers ("combining", as group
// commit does for WAL flushes). Each call is one statement. A caller that finds a
// free batch slot leads: it takes every queued call of the same statement (up to
// max_batch_size), runs them on one connection as ONE transaction in one pipeline
// (one flush each way, one commit, one WAL flush for all), and hands each caller its
// own result; the others wait meanwhile. Under no contention a batch is the caller
// alone, so a single caller pays nothing but a lock.
//
// Every caller's outcome is what it would be alone:
//   - the statements of a batch run one after the other in one transaction, in
//     ascending order of their first parameter (so writes to several rows take
//     their row locks in one order across batches and cannot deadlock), exactly as
//     if the callers had run in that order;
//   - when any statement of a batch fails, PostgreSQL rolls the whole batch back,
//     and each of its calls is run again alone (a batch of one), so the failing
//     call meets its failure by itself and the others are not charged for it;
//   - a failure of the connection itself (lost, stalled past the deadline) reaches
//     every caller of the batch, as it would reach a caller alone: the outcome of
//     its transaction is unknown, which a request id settles.
// The batch's statement_timeout is its earliest deadline; a batch cut by it is
// rerun alone per caller, each under its own deadline.
//
// Thread-safe. `pool` must outlive the combiner.
class PgCombiner {
 public:
  PgCombiner(PgPool* pool, PgCombinerOptions options);
  PgCombiner(const PgCombiner&) = delete;
  PgCombiner& operator=(const PgCombiner&) = delete;

  // Runs `statement` with `params` before `deadline`, possibly in a batch with other
  // callers of the same statement; blocks until its result is in. Errors: as
  // PgConnection::Run and PgPool::Acquire.
  absl::StatusOr<PgResult> Run(const PgStatement& statement, std::vector<PgParam> params,
                               absl::Time deadline);

 private:
  struct Call;
  using Lane = std::deque<Call*>;

  // The next batch to lead: the front of `preferred`'s lane, else of any lane.
  std::vector<Call*> TakeBatch(const PgStatement* preferred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `batch` and fills in each call's result, or re-queues the calls to run
  // alone. Called without the lock.
  void RunBatch(const std::vector<Call*>& batch);
  void Requeue(const std::vector<Call*>& calls);

  PgPool* pool_;
  const PgCombinerOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<const PgStatement*, Lane> lanes_ ABSL_GUARDED_BY(mu_);
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
  int batches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace dbs::pq

#endif  // PQ_PG_COMBINER_H_
