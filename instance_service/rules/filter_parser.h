#ifndef INSTANCE_SERVICE_RULES_FILTER_PARSER_H_
#define INSTANCE_SERVICE_RULES_FILTER_PARSER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "instance_service/repository/list_query.h"

namespace dbs::instance {

// Parses ListDbServersRequest.filter, the AIP-160 subset documented there:
//
//   filter     := "" | comparison { "AND" comparison }
//   comparison := field ( "=" | "!=" ) value
//   field      := "server_type" | "state" | "health" | "display_name" | "labels." KEY
//   value      := bare word (letters, digits, '_', '-', '.') | "double-quoted string"
//
// Whitespace (space, tab, CR, LF) separates tokens. `AND` is case-sensitive.
// Quoted strings take the escapes \" and \\ only. `state` takes a DbServer.State
// name with or without its prefix (`STATE_ACTIVE` or `ACTIVE`; STATE_UNSPECIFIED is
// rejected), `health` likewise (`HEALTH_HEALTHY` or `HEALTHY`; HEALTH_UNSPECIFIED
// / UNSPECIFIED select pools never checked, DbServerHealth::kUnknown). KEY matches
// [a-z][a-z0-9_-]{0,62}. Values must be valid UTF-8 without control characters
// (tab, CR and LF are allowed inside quotes).
// At most kMaxFilterLength bytes and kMaxFilterTerms comparisons.
//
// Returns the comparisons in order (empty for an empty or all-blank filter), or
// INVALID_ARGUMENT with reason "INVALID_FILTER" and one violation on field
// "filter" whose description gives the 1-based byte position and what was
// expected there. OR, NOT, '-', parentheses, ':', '<', '>' and wildcards are
// rejected with a message saying so.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter);

inline constexpr size_t kMaxFilterLength = 1024;
inline constexpr size_t kMaxFilterTerms = 16;

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_RULES_FILTER_PARSER_H_
