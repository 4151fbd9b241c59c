#include "tests/support/pool_cluster.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tests/support/shell_command.h"
#include "tests/support/test_postgres.h"

namespace dbs::testing {

std::string RunOrFail(const std::string& command) {
  const ShellCommandResult result = RunShellCommand(command);
  if (result.wait_status != 0) {
    FAIL(command << " failed with " << result.wait_status << ": " << result.output);
  }
  return std::string(absl::StripAsciiWhitespace(result.output));
}

PoolCluster::PoolCluster(const std::string& state_parent)
    : state_dir_(absl::StrCat(state_parent, "/pool-", getpid(), "-",
                              absl::Uniform<uint32_t>(absl::BitGen()))) {
  conninfo_ = RunOrFail(absl::StrCat(DBS_PG_CLUSTER_SCRIPT, " start ", state_dir_));
  port_ = std::stoi(RunOrFail(absl::StrCat("cat ", state_dir_, "/port")));
}

PoolCluster::~PoolCluster() {
  (void)system(absl::StrCat(DBS_PG_CLUSTER_SCRIPT, " stop ", state_dir_).c_str());
}

void PoolCluster::Halt() { RunOrFail(absl::StrCat(DBS_PG_CLUSTER_SCRIPT, " halt ", state_dir_)); }

void PoolCluster::Resume() {
  RunOrFail(absl::StrCat(DBS_PG_CLUSTER_SCRIPT, " resume ", state_dir_));
}

std::string PoolCluster::Databases(const std::string& like) const {
  return QueryScalar(conninfo_, absl::StrCat("SELECT string_agg(datname, ',' ORDER BY datname) "
                                             "FROM pg_database WHERE datname LIKE '",
                                             like, "'"));
}

}  // namespace dbs::testing
