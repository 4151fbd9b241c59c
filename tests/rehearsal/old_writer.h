#ifndef TESTS_REHEARSAL_OLD_WRITER_H_
#define TESTS_REHEARSAL_OLD_WRITER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "tests/rehearsal/event_log.h"

namespace dbs::rehearsal {

struct OldWriterOptions {
  std::string conninfo;        // the instance database, as the old service's role
  double per_second = 20;      // allocations a second
  int64_t max_operations = 0;  // 0: until stopped
  std::string pool_host;       // where the pools it registers point
  int pool_port = 5432;
  int provision_every = 200;           // every Nth operation also registers a pool
  int monitor_every = 10;              // every Nth operation also writes a health verdict
  int pool_capacity = 100000;          // max_instances of the pools it registers
  std::string name_prefix = "rh-old";  // tenants <prefix>-<pid>-<n>, pools <prefix>-pool-...
};

// The old Python database-service's writes on the instance database, issued
// directly over libpq with the statements it used (see the .cc), at a steady rate:
//   allocate   db_allocation_service.py: the least-loaded active, healthy pool, its
//              instance_count + 1 (guarded by `< max_instances`) and the tenant's
//              `instances` row, in one transaction
//   provision  provisioning.py: INSERT a pool as 'provisioning', then UPDATE it to
//              'active'/'healthy'
//   monitor    monitoring.py: UPDATE health_status and updated_at
// Every attempt is recorded in `log`. A lost connection is re-opened on the next
// operation (each attempt until then is a failed one). Returns when `stop` is set
// (after the operation in progress) or after `max_operations`, with the number of
// failed attempts.
int64_t RunOldWriter(const OldWriterOptions& options, EventLog* log, const std::atomic<bool>& stop);

}  // namespace dbs::rehearsal

#endif  // TESTS_REHEARSAL_OLD_WRITER_H_
