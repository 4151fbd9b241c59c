#ifndef TESTS_REHEARSAL_LIVE_CLIENT_CHECK_H_
#define TESTS_REHEARSAL_LIVE_CLIENT_CHECK_H_

#include <string>

namespace dbs::rehearsal {

struct LiveClientCheckOptions {
  std::string target;     // instance-service, host:port (plaintext)
  std::string pool_host;  // where the canary pool points (it is never connected to)
  int pool_port = 5432;
};

// The shared client against the RUNNING instance-service, on its live, adopted
// table, while the old writer keeps writing (migration step 2). Prints one line per
// check to stdout, `ok <what>` or `FAIL <what>: <why>`, and returns the number of
// FAILs:
//   - ListAllDbServers pages through every pool (prints `listed <n> pools`, and
//     `pool <display_name> <state> <health> <instance_count>/<max_instances>` for
//     each, so the caller can compare with the table);
//   - a canary pool of its own server_type (`rehearsal-canary`, which nothing else
//     allocates from) goes through the plan's client methods and the contract's
//     errors: create, activate, get_available_pool, AllocateDbServer replayed with
//     one request_id, IncrementInstanceCount replayed, DB_SERVER_FULL, NO_CAPACITY,
//     DB_SERVER_IN_USE, ETAG_MISMATCH, release, delete, NOT_FOUND. It is deleted
//     again, so the table ends as it began.
int RunLiveClientCheck(const LiveClientCheckOptions& options);

}  // namespace dbs::rehearsal

#endif  // TESTS_REHEARSAL_LIVE_CLIENT_CHECK_H_
