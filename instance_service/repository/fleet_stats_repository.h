#ifndef INSTANCE_SERVICE_REPOSITORY_FLEET_STATS_REPOSITORY_H_
#define INSTANCE_SERVICE_REPOSITORY_FLEET_STATS_REPOSITORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pq/pg_pool.h"

namespace dbs::instance {

// The pools of one (server_type, state, health) combination, summed.
struct FleetGroup {
  std::string server_type;
  std::string state;   // as stored: PROVISIONING, ACTIVE, DRAINING, MAINTENANCE, FAILED
  std::string health;  // as stored: UNKNOWN, HEALTHY, DEGRADED, UNHEALTHY
  int64_t pools = 0;
  int64_t instances = 0;  // sum of instance_count
  int64_t capacity = 0;   // sum of max_instances
};

// The fleet-wide aggregate of db_servers behind instance-service's fleet metrics.
// It reads the whole table (one GROUP BY), so it runs on a timer, never per
// request or per scrape.
//
// Thread-safe (the pool is); `pool` must outlive this object.
class FleetStatsRepository {
 public:
  explicit FleetStatsRepository(pq::PgPool* pool) : pool_(pool) {}

  // Every combination that has at least one pool, ordered by server_type, state,
  // health; empty for an empty table. One read-only transaction, bounded by
  // `deadline`. Errors: UNAVAILABLE DATABASE_UNAVAILABLE, DEADLINE_EXCEEDED
  // QUERY_TIMEOUT, UNAVAILABLE SERVER_OVERLOADED (no free connection), INTERNAL.
  absl::StatusOr<std::vector<FleetGroup>> CountByGroup(absl::Time deadline);

 private:
  pq::PgPool* pool_;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_FLEET_STATS_REPOSITORY_H_
