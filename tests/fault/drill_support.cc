#include "tests/fault/drill_support.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/internal/request_id.h"
#include "tests/support/shell_command.h"
#include "tests/support/test_postgres.h"

namespace dbs::testing {
namespace {

namespace v1 = ::instance::v1;

std::string Run(const std::string& command) {
  const ShellCommandResult result = RunShellCommand(command);
  if (result.wait_status != 0) FAIL(command << " failed: " << result.output);
  return std::string(absl::StripAsciiWhitespace(result.output));
}

}  // namespace

PrivateCluster::PrivateCluster()
    : state_dir_(absl::StrCat(DBS_FAULT_STATE_DIR, "/pg-", getpid(), "-",
                              absl::Uniform<uint32_t>(absl::BitGen()))) {
  admin_ = Run(absl::StrCat(DBS_PG_CLUSTER, " start ", state_dir_));
}

PrivateCluster::~PrivateCluster() {
  (void)RunShellCommand(absl::StrCat(DBS_PG_CLUSTER, " stop ", state_dir_));
}

std::string PrivateCluster::CreateDatabase(const std::string& name) {
  QueryScalar(admin_, absl::StrCat("CREATE DATABASE ", name));
  return absl::StrCat(admin_, " dbname=", name);
}

void PrivateCluster::Halt() { Run(absl::StrCat(DBS_PG_CLUSTER, " halt ", state_dir_)); }
void PrivateCluster::Resume() { Run(absl::StrCat(DBS_PG_CLUSTER, " resume ", state_dir_)); }

ServiceProcess StartInstanceService(const std::string& database_url) {
  ServiceProcess::Options options;
  options.binary = DBS_INSTANCE_SERVICE_BINARY;
  options.args = {absl::StrCat("--database_url=", database_url), "--readiness_interval_ms=200",
                  "--drain_seconds=2"};
  options.ready_service = "instance.v1.DbServerService";
  auto started = ServiceProcess::Start(std::move(options));
  if (!started.ok()) FAIL("instance-service did not start: " << started.status());
  return *std::move(started);
}

AllocatingCallers::AllocatingCallers(client::InstanceServiceClient client, int callers,
                                     absl::Duration timeout)
    : client_(std::move(client)), timeout_(timeout) {
  for (int i = 0; i < callers; ++i) threads_.emplace_back([this] { Loop(); });
}

AllocatingCallers::~AllocatingCallers() { Stop(); }

void AllocatingCallers::Stop() {
  stopping_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void AllocatingCallers::Loop() {
  while (!stopping_) {
    v1::AllocateDbServerRequest request;
    request.set_server_type("postgres");
    request.set_request_id(client::internal::NewRequestId());
    client::CallOptions call;
    call.timeout = timeout_;
    const absl::Time started = absl::Now();
    const absl::Status status = client_.AllocateDbServer(request, call).status();
    const absl::Time ended = absl::Now();
    absl::MutexLock lock(&mu_);
    outcomes_.emplace_back(absl::StatusCodeToString(status.code()), ended);
    if (!status.ok()) unknown_.push_back(request.request_id());
    worst_overrun_ = std::max(worst_overrun_, (ended - started) - timeout_);
  }
}

bool AllocatingCallers::WaitFor(const std::function<bool(const AllocatingCallers&)>& predicate,
                                absl::Duration limit) {
  struct Progress {
    const std::vector<std::pair<std::string, absl::Time>>* outcomes;
    size_t seen;
  };
  const absl::Time deadline = absl::Now() + limit;
  while (!predicate(*this)) {
    if (absl::Now() >= deadline) return false;
    absl::MutexLock lock(&mu_);
    Progress progress{&outcomes_, outcomes_.size()};
    // Wakes on the next outcome, or after a short while when none comes (the
    // predicate may depend on time or on other threads).
    mu_.AwaitWithDeadline(
        absl::Condition(
            +[](Progress* p) { return p->outcomes->size() > p->seen; }, &progress),
        std::min(deadline, absl::Now() + absl::Milliseconds(100)));
  }
  return true;
}

int AllocatingCallers::Count(const std::string& code, absl::Time since) const {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const auto& [outcome, at] : outcomes_) {
    if (outcome == code && at > since) ++count;
  }
  return count;
}

int AllocatingCallers::Total() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(outcomes_.size());
}

std::vector<std::string> AllocatingCallers::Unknown() const {
  absl::MutexLock lock(&mu_);
  return unknown_;
}

absl::Duration AllocatingCallers::WorstOverrun() const {
  absl::MutexLock lock(&mu_);
  return worst_overrun_;
}

void SettleByReplay(const client::InstanceServiceClient& client,
                    const std::vector<std::string>& unknown) {
  for (const std::string& request_id : unknown) {
    v1::AllocateDbServerRequest request;
    request.set_server_type("postgres");
    request.set_request_id(request_id);
    client::CallOptions call;
    call.timeout = absl::Seconds(10);
    auto replayed = client.AllocateDbServer(request, call);
    INFO("replay of " << request_id << ": " << replayed.status());
    REQUIRE(replayed.ok());
  }
}

}  // namespace dbs::testing
