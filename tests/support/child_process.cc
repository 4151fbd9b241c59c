#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace dbs::testing {
namespace {

int DecodeWaitStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                 const std::vector<std::string>& extra_env,
                                                 const std::string& output_file) {
  std::vector<std::string> environment = extra_env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    absl::string_view inherited(*entry);
    const absl::string_view name = inherited.substr(0, inherited.find('=') + 1);
    bool overridden = false;
    for (const std::string& extra : extra_env) overridden |= absl::StartsWith(extra, name);
    if (!overridden) environment.emplace_back(inherited);
  }
  std::vector<char*> argv_pointers, env_pointers;
  for (const std::string& arg : argv) argv_pointers.push_back(const_cast<char*>(arg.c_str()));
  for (const std::string& env : environment) env_pointers.push_back(const_cast<char*>(env.c_str()));
  argv_pointers.push_back(nullptr);
  env_pointers.push_back(nullptr);

  // The test process may block signals (gRPC, or a test of signal handling);
  // the child starts with a clean mask and default handlers.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  if (!output_file.empty()) {
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, output_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  }
  pid_t pid = -1;
  const int error = posix_spawn(&pid, argv_pointers[0], &files, &attributes, argv_pointers.data(),
                                env_pointers.data());
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": ", strerror(error)));
  }
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(other.exit_code_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    this->~ChildProcess();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = other.exit_code_;
  }
  return *this;
}

void ChildProcess::Reaped(int wait_status) {
  pid_ = -1;
  exit_code_ = DecodeWaitStatus(wait_status);
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  Reaped(status);
  return false;
}

absl::StatusOr<int> ChildProcess::Stop(absl::Duration timeout, int signal_number) {
  if (!Running()) {
    if (exit_code_.has_value()) return *exit_code_;
    return absl::FailedPreconditionError("no child process");
  }
  kill(pid_, signal_number);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    const pid_t reaped = waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      Reaped(status);
      return *exit_code_;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("pid ", pid_, " did not exit within ", absl::FormatDuration(timeout)));
}

}  // namespace dbs::testing
