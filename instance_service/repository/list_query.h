#ifndef INSTANCE_SERVICE_REPOSITORY_LIST_QUERY_H_
#define INSTANCE_SERVICE_REPOSITORY_LIST_QUERY_H_

#include <optional>
#include <string>
#include <vector>

#include "instance_service/repository/db_server_record.h"

namespace dbs::instance {

// A parsed, validated ListDbServers filter: comparisons joined by AND. The service
// layer parses the AIP-160 text; the repository turns terms into `$n` parameters,
// never into SQL text.
enum class FilterField { kServerType, kState, kHealth, kDisplayName, kLabel };

struct FilterTerm {
  FilterField field = FilterField::kServerType;
  std::string label_key;  // for kLabel only
  bool negated = false;   // `!=` rather than `=`
  // The compared value. For kState/kHealth use state/health instead.
  std::string value;
  DbServerState state = DbServerState::kProvisioning;
  DbServerHealth health = DbServerHealth::kUnknown;
};

// One page of a listing in display_name order (keyset pagination).
struct ListQuery {
  std::vector<FilterTerm> terms;
  int page_size = 50;  // 1..1000, already validated
  // Return only rows whose display_name sorts after this one.
  std::optional<std::string> after_display_name;
};

struct ListPage {
  std::vector<DbServerRecord> records;
  // True when rows after the last returned one match too.
  bool has_more = false;
};

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_REPOSITORY_LIST_QUERY_H_
