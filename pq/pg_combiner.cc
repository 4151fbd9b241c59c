#include "pq/pg_combiner.h"

#include <algorithm>
#include <utility>

#include "pq/pg_error.h"
#include "pq/sqlstate.h"

namespace dbs::pq {

struct PgCombiner::Call {
  const PgStatement* statement;
  std::vector<PgParam> params;
  absl::Time deadline;
  bool alone = false;     // run in a batch of its own (after a failed batch)
  bool answered = false;  // `result` holds the answer
  bool done = false;      // answered, and the caller may take it
  absl::StatusOr<PgResult> result = absl::UnknownError("not run");
};

PgCombiner::PgCombiner(PgPool* pool, PgCombinerOptions options) : pool_(pool), options_(options) {}

absl::StatusOr<PgResult> PgCombiner::Run(const PgStatement& statement, std::vector<PgParam> params,
                                         absl::Time deadline) {
  Call call{&statement, std::move(params), deadline};
  mu_.Lock();
  lanes_[&statement].push_back(&call);
  ++queued_;
  while (!call.done) {
    if (batches_ < options_.max_batches && queued_ > 0) {
      std::vector<Call*> batch = TakeBatch(&statement);
      ++batches_;
      mu_.Unlock();
      RunBatch(batch);
      mu_.Lock();
      --batches_;
      continue;
    }
    // Until this call is answered, or a batch slot frees up with calls waiting.
    struct Wake {
      PgCombiner* self;
      const Call* call;
    } wake{this, &call};
    mu_.Await(absl::Condition(
        +[](Wake* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return w->call->done ||
                 (w->self->batches_ < w->self->options_.max_batches && w->self->queued_ > 0);
        },
        &wake));
  }
  mu_.Unlock();
  return std::move(call.result);
}

std::vector<PgCombiner::Call*> PgCombiner::TakeBatch(const PgStatement* preferred) {
  auto lane = lanes_.find(preferred);
  if (lane == lanes_.end() || lane->second.empty()) {
    lane = std::find_if(lanes_.begin(), lanes_.end(),
                        [](const auto& entry) { return !entry.second.empty(); });
  }
  std::vector<Call*> batch;
  Lane& calls = lane->second;
  if (calls.front()->alone) {
    batch.push_back(calls.front());
    calls.pop_front();
  } else {
    while (!calls.empty() && !calls.front()->alone &&
           static_cast<int>(batch.size()) < options_.max_batch_size) {
      batch.push_back(calls.front());
      calls.pop_front();
    }
  }
  queued_ -= static_cast<int>(batch.size());
  return batch;
}

void PgCombiner::Requeue(const std::vector<Call*>& calls) {
  absl::MutexLock lock(&mu_);
  for (auto call = calls.rbegin(); call != calls.rend(); ++call) {
    (*call)->alone = true;
    lanes_[(*call)->statement].push_front(*call);
    ++queued_;
  }
}

void PgCombiner::RunBatch(const std::vector<Call*>& taken) {
  std::vector<Call*> batch;
  const absl::Time now = absl::Now();
  absl::Time earliest = absl::InfiniteFuture();
  absl::Time latest = absl::InfinitePast();
  for (Call* call : taken) {
    if (call->deadline <= now) {  // it waited past its deadline: nothing is sent for it
      call->result = DeadlineError(call->statement->name);
      call->answered = true;
      continue;
    }
    batch.push_back(call);
    earliest = std::min(earliest, call->deadline);
    latest = std::max(latest, call->deadline);
  }
  // Row locks in one order across batches: ascending first parameter.
  std::stable_sort(batch.begin(), batch.end(), [](const Call* a, const Call* b) {
    return !a->params.empty() && !b->params.empty() && a->params[0] < b->params[0];
  });
  const auto answer_all = [&batch](const absl::Status& status) {
    for (Call* call : batch) {
      call->result = status;
      call->answered = true;
    }
  };
  bool rerun_alone = false;
  if (!batch.empty()) {
    auto connection = pool_->Acquire(latest);
    if (!connection.ok()) {
      answer_all(connection.status());
    } else {
      std::vector<PgQuery> queries;
      queries.reserve(batch.size());
      for (Call* call : batch) queries.push_back({call->statement, call->params});
      auto segments = (*connection)->Segments({queries}, earliest);
      if (!segments.ok()) {
        // The connection failed: the transaction's outcome is unknown to every caller.
        answer_all(segments.status());
      } else if (PgSegmentResult& segment = segments->front(); segment.status.ok()) {
        for (size_t i = 0; i < batch.size(); ++i) {
          batch[i]->result = std::move(segment.results[i]);
          batch[i]->answered = true;
        }
      } else if (batch.size() == 1) {
        answer_all(segment.status);
      } else {
        rerun_alone = true;  // rolled back as a whole: each call runs again, alone
      }
    }
  }
  // Requeued calls belong to whoever runs them next; read `answered` before that.
  std::vector<Call*> answered;
  for (Call* call : taken) {
    if (call->answered) answered.push_back(call);
  }
  if (rerun_alone) Requeue(batch);
  absl::MutexLock lock(&mu_);
  for (Call* call : answered) call->done = true;
}

}  // namespace dbs::pq
