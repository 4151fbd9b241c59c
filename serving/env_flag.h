#ifndef SERVING_ENV_FLAG_H_
#define SERVING_ENV_FLAG_H_

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "serving/env_default.h"

// A flag whose default an environment variable overrides (serving/env_default.h), its
// help ending in "[env NAME]", so the variable read and the one documented cannot
// drift apart:
//
//   DBS_ENV_FLAG(int64_t, drain_seconds, "INSTANCE_SERVICE_DRAIN_SECONDS", int64_t{20},
//                "Grace period for in-flight calls on SIGTERM");
//
// DEFAULT is a string literal or an int64_t (the types EnvOr parses). A bool reads
// 0 or 1 (DBS_ENV_BOOL_FLAG). The variable's full name is spelled at each use so that
// grep finds it where it is read.
#define DBS_ENV_FLAG(TYPE, NAME, ENV, DEFAULT, HELP) \
  ABSL_FLAG(TYPE, NAME, ::dbs::serving::EnvOr(ENV, DEFAULT), HELP " [env " ENV "]")

#define DBS_ENV_BOOL_FLAG(NAME, ENV, DEFAULT, HELP)                                  \
  ABSL_FLAG(bool, NAME, ::dbs::serving::EnvOr(ENV, int64_t{(DEFAULT) ? 1 : 0}) != 0, \
            HELP " [env " ENV "=0|1]")

#endif  // SERVING_ENV_FLAG_H_
