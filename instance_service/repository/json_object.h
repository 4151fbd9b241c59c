#ifndef INSTANCE_SERVICE_REPOSITORY_JSON_OBJECT_H_
#define INSTANCE_SERVICE_REPOSITORY_JSON_OBJECT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dbs::instance {

// The labels column (jsonb, an object of strings) crosses the SQL boundary as JSON
// text: written as a `$n::jsonb` parameter, read as `labels::text`, which costs
// PostgreSQL one output call instead of a set-returning function per row.

// A JSON object of strings, keys in map order, escaped per RFC 8259:
// {"region":"eu \"west\""}.
std::string ToJsonObject(const std::map<std::string, std::string>& entries);

// Parses the text of a JSON object whose values are all strings (PostgreSQL's
// jsonb output, or ToJsonObject's). INVALID_ARGUMENT when it is anything else:
// another JSON type, a non-string value, bad escapes, trailing text.
absl::StatusOr<std::map<std::string, std::string>> ParseJsonObject(absl::string_view text);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_JSON_OBJECT_H_
