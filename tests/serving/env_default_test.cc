#include "serving/env_default.h"

#include <cstdlib>

#include <catch2/catch.hpp>

using dbs::serving::EnvOr;

TEST_CASE("EnvOr prefers a set environment variable over the built-in default") {
  setenv("DBS_TEST_ENV_DEFAULT", "from-env", 1);
  CHECK(EnvOr("DBS_TEST_ENV_DEFAULT", "built-in") == "from-env");
  unsetenv("DBS_TEST_ENV_DEFAULT");
  CHECK(EnvOr("DBS_TEST_ENV_DEFAULT", "built-in") == "built-in");
}

TEST_CASE("EnvOr treats an empty variable as unset") {
  setenv("DBS_TEST_ENV_DEFAULT", "", 1);
  CHECK(EnvOr("DBS_TEST_ENV_DEFAULT", "built-in") == "built-in");
  unsetenv("DBS_TEST_ENV_DEFAULT");
}

TEST_CASE("EnvOr parses integers and falls back on garbage") {
  setenv("DBS_TEST_ENV_INT", "17", 1);
  CHECK(EnvOr("DBS_TEST_ENV_INT", int64_t{5}) == 17);
  setenv("DBS_TEST_ENV_INT", "seventeen", 1);
  CHECK(EnvOr("DBS_TEST_ENV_INT", int64_t{5}) == 5);
  unsetenv("DBS_TEST_ENV_INT");
}
