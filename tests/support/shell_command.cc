#include "tests/support/shell_command.h"

#include <cstdio>

#include <catch2/catch.hpp>

namespace dbs::testing {

ShellCommandResult RunShellCommand(const std::string& command) {
  ShellCommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, read);
  result.wait_status = pclose(pipe);
  return result;
}

}  // namespace dbs::testing
