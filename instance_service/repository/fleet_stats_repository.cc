#include "instance_service/repository/fleet_stats_repository.h"

#include <utility>

#include "pq/pg_connection.h"
#include "pq/pg_result.h"
#include "pq/pg_transaction.h"

namespace dbs::instance {
namespace {

// Casts fix the result types whatever the table's history (see the column list in
// postgres_db_server_repository.cc: a legacy table has varchar columns until the
// contract migration).
constexpr pq::PgStatement kCountByGroup = {
    "fleet_stats_count_by_group",
    "SELECT server_type::text, state::text, health::text, count(*)::bigint,"
    " coalesce(sum(instance_count), 0)::bigint, coalesce(sum(max_instances), 0)::bigint"
    " FROM db_servers GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"};

}  // namespace

absl::StatusOr<std::vector<FleetGroup>> FleetStatsRepository::CountByGroup(absl::Time deadline) {
  std::vector<FleetGroup> groups;
  pq::TransactionOptions options;
  options.read_only = true;
  absl::Status status =
      pq::RunInTransaction(*pool_, deadline, options, [&groups](pq::PgConnection& connection) {
        groups.clear();  // the body may run again after a retryable failure
        auto result = connection.Execute(kCountByGroup, {});
        if (!result.ok()) return result.status();
        for (int row = 0; row < result->rows(); ++row) {
          FleetGroup group;
          group.server_type = result->String(row, 0);
          group.state = result->String(row, 1);
          group.health = result->String(row, 2);
          group.pools = result->Int64(row, 3);
          group.instances = result->Int64(row, 4);
          group.capacity = result->Int64(row, 5);
          groups.push_back(std::move(group));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return groups;
}

}  // namespace dbs::instance
