#ifndef TESTS_SUPPORT_CHILD_PROCESS_H_
#define TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace dbs::testing {

// A program started by a test, e.g. the real instance-service binary. Its output
// goes to the test's own stdout/stderr, so CTest shows it on failure. The
// destructor kills a child that is still running, so a failing test leaves no
// process behind.
class ChildProcess {
 public:
  // Starts argv[0] (a path) with the test's environment plus `extra_env`
  // ("NAME=value" entries, which win over inherited ones). With `output_file`,
  // its stdout and stderr go to that file (created or truncated) instead, for
  // tests that read the child's log.
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::vector<std::string>& extra_env = {},
                                            const std::string& output_file = "");

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // Sends `signal_number` (SIGTERM by default), then waits up to `timeout` for the
  // exit. Returns the exit code, or 128 + signal when the child died of a signal.
  // DEADLINE_EXCEEDED when it did not exit in time (it is then killed).
  absl::StatusOr<int> Stop(absl::Duration timeout, int signal_number = 15);

  // Whether the child is still running. Once it has exited, Stop() returns its
  // exit code without signalling.
  bool Running();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  void Reaped(int wait_status);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_CHILD_PROCESS_H_
