#ifndef SERVING_ENV_DEFAULT_H_
#define SERVING_ENV_DEFAULT_H_

#include <cstdint>
#include <string>

namespace dbs::serving {

// Flag defaults with an environment fallback, for use in ABSL_FLAG declarations:
//
//   ABSL_FLAG(std::string, listen,
//             dbs::serving::EnvOr("INSTANCE_SERVICE_LISTEN", "127.0.0.1:50051"), "...");
//
// Precedence is therefore: command-line flag, then environment variable, then the
// built-in default. An environment value that does not parse as the flag's type
// makes EnvOr return the built-in default; absl then still validates the flag.
std::string EnvOr(const char* name, const char* fallback);
int64_t EnvOr(const char* name, int64_t fallback);

}  // namespace dbs::serving

#endif  // SERVING_ENV_DEFAULT_H_
