#ifndef TESTS_REHEARSAL_NEW_PATH_TRAFFIC_H_
#define TESTS_REHEARSAL_NEW_PATH_TRAFFIC_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "tests/rehearsal/event_log.h"

namespace dbs::rehearsal {

struct NewPathOptions {
  // database.v1.DatabaseService/CreateDatabase on the real database-service
  // (host:port, plaintext): it takes a slot through instance-service and creates the
  // tenant's database on the chosen pool server. Off when the target is empty.
  std::string database_service_target;
  double create_per_second = 0.3;  // tenant databases a second (each costs a copy of
                                   // template1 on the pool server, so few)
  // AllocateDbServer through InstanceServiceClient, as database-service calls it
  // (host:port of instance-service): the allocation step alone, often enough to
  // measure availability to a tenth of a second. Off when the target is empty.
  std::string instance_service_target;
  double allocate_per_second = 10;
  int allocate_workers = 2;            // AllocateDbServer calls in flight at most
  int64_t max_operations = 0;          // per worker; 0: until stopped
  std::string name_prefix = "rh_new";  // tenant databases <prefix>_<pid>_<n>
  absl::Duration deadline = absl::Seconds(30);
};

// The new path's traffic, recorded in `log`: a `begin` event before each call is
// sent, and an `allocate` event when it returns, whose detail starts with
// `database <name>` (CreateDatabase) or `slot` (AllocateDbServer). The begin events
// say how many calls were in flight at any moment.
// One thread makes the CreateDatabase calls, `allocate_workers` threads share the
// AllocateDbServer rate; every call has its own request_id. Returns when `stop` is
// set (calls in flight finish first) or every worker made `max_operations` calls,
// with the number of failed calls.
int64_t RunNewPathTraffic(const NewPathOptions& options, EventLog* log,
                          const std::atomic<bool>& stop);

}  // namespace dbs::rehearsal

#endif  // TESTS_REHEARSAL_NEW_PATH_TRAFFIC_H_
