#ifndef TESTS_SUPPORT_SHELL_COMMAND_H_
#define TESTS_SUPPORT_SHELL_COMMAND_H_

#include <string>

namespace dbs::testing {

// What a shell command left behind: pclose()'s wait status (0 when it exited
// with 0; inspect with WIFEXITED/WEXITSTATUS) and everything it wrote to stdout.
struct ShellCommandResult {
  int wait_status = -1;
  std::string output;
};

// Runs `command` through /bin/sh (popen) and waits for it. Only stdout is
// captured: append " 2>&1" to capture stderr too. Fails the current Catch2 test
// (REQUIRE) when the shell cannot be started; a failing command is not a test
// failure here, the caller decides from wait_status.
ShellCommandResult RunShellCommand(const std::string& command);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_SHELL_COMMAND_H_
