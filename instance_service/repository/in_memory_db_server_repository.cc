#include "instance_service/repository/in_memory_db_server_repository.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "errors/error_status.h"
#include "identity/uuid.h"
#include "instance_service/repository/db_server_errors.h"

namespace dbs::instance {
namespace {

// As the request_ids table keeps them (0003_request_ids.sql).
constexpr absl::Duration kReplayWindow = absl::Hours(24);

// Timestamps as PostgreSQL's timestamptz keeps them: whole microseconds.
absl::Time Now() { return absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())); }

// Whether `record` satisfies one filter term, as kListFiltered's SQL tests it.
bool Matches(const DbServerRecord& record, const FilterTerm& term) {
  bool equal = false;
  switch (term.field) {
    case FilterField::kServerType:
      equal = record.server_type == term.value;
      break;
    case FilterField::kState:
      equal = record.state == term.state;
      break;
    case FilterField::kHealth:
      equal = record.health == term.health;
      break;
    case FilterField::kDisplayName:
      equal = record.display_name == term.value;
      break;
    case FilterField::kLabel: {
      const auto label = record.labels.find(term.label_key);
      equal = label != record.labels.end() && label->second == term.value;
      break;
    }
  }
  return equal != term.negated;
}

bool Eligible(const DbServerRecord& record, const std::string& server_type) {
  return record.server_type == server_type && record.state == DbServerState::kActive &&
         record.health == DbServerHealth::kHealthy && record.instance_count < record.max_instances;
}

// The row as `changes` would leave it (the repository's columns only).
DbServerRecord Applied(const DbServerRecord& row, const DbServerChanges& changes) {
  DbServerRecord next = row;
  if (changes.state) next.state = *changes.state;
  if (changes.health) next.health = *changes.health;
  if (changes.health_message) next.health_message = *changes.health_message;
  if (changes.last_health_check_time) {
    next.last_health_check_time = *changes.last_health_check_time;
    if (next.last_health_check_time) {
      next.last_health_check_time =
          absl::FromUnixMicros(absl::ToUnixMicros(*next.last_health_check_time));
    }
  }
  if (changes.max_instances) next.max_instances = *changes.max_instances;
  if (changes.host) next.host = *changes.host;
  if (changes.port) next.port = *changes.port;
  if (changes.labels) next.labels = *changes.labels;
  return next;
}

// The columns an update writes, to compare a row with what an update would leave.
auto WritableColumns(const DbServerRecord& r) {
  return std::tie(r.state, r.health, r.health_message, r.last_health_check_time, r.max_instances,
                  r.host, r.port, r.labels);
}

}  // namespace

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::Ledgered(
    const std::optional<RequestIdentity>& request, absl::Time deadline, Write write) {
  if (absl::Now() >= deadline) return CallDeadlineExceeded();
  if (request && !identity::IsUuid(request->request_id)) return RequestIdNotUuid();
  if (request) {
    auto entry = ledger_.find(request->request_id);
    if (entry != ledger_.end() && Now() - entry->second.created < kReplayWindow) {
      if (entry->second.fingerprint != request->fingerprint) return RequestIdReused();
      return entry->second.answer;
    }
  }
  absl::StatusOr<DbServerRecord> answer = write();
  if (answer.ok() && request) {
    ledger_[request->request_id] = LedgerEntry{request->fingerprint, Now(), *answer};
  }
  return answer;
}

absl::StatusOr<DbServerRecord*> InMemoryDbServerRepository::Find(const std::string& id) {
  auto row = identity::IsUuid(id) ? rows_.find(id) : rows_.end();
  if (row == rows_.end()) return DbServerNotFound(id);
  return &row->second;
}

DbServerRecord* InMemoryDbServerRepository::LeastLoaded(const std::string& server_type) {
  DbServerRecord* best = nullptr;
  double best_load = 0;
  for (auto& [id, row] : rows_) {  // in id order, so ties go to the lowest id
    if (!Eligible(row, server_type)) continue;
    const double load = static_cast<double>(row.instance_count) / row.max_instances;
    if (best == nullptr || load < best_load) {
      best = &row;
      best_load = load;
    }
  }
  return best;
}

absl::StatusOr<ListPage> InMemoryDbServerRepository::List(const ListQuery& query,
                                                          const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  if (absl::Now() >= call.deadline) return CallDeadlineExceeded();
  if (query.page_size < 1) {
    return errors::InvalidArgument(::instance::v1::INVALID_FIELD,
                                   {{"page_size", "must be positive"}});
  }
  std::vector<const DbServerRecord*> matching;
  for (const auto& [id, row] : rows_) {
    if (query.after_display_name && row.display_name <= *query.after_display_name) continue;
    if (std::all_of(query.terms.begin(), query.terms.end(),
                    [&row](const FilterTerm& term) { return Matches(row, term); })) {
      matching.push_back(&row);
    }
  }
  std::sort(matching.begin(), matching.end(), [](const DbServerRecord* a, const DbServerRecord* b) {
    return a->display_name < b->display_name;
  });
  ListPage page;
  for (const DbServerRecord* row : matching) {
    if (static_cast<int>(page.records.size()) == query.page_size) {
      page.has_more = true;
      break;
    }
    page.records.push_back(*row);
  }
  return page;
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::Get(const std::string& id,
                                                               const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  if (absl::Now() >= call.deadline) return CallDeadlineExceeded();
  auto row = Find(id);
  if (!row.ok()) return row.status();
  return **row;
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::Create(
    const NewDbServer& server, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  return Ledgered(request, call.deadline, [&]() -> absl::StatusOr<DbServerRecord> {
    for (const auto& [id, row] : rows_) {
      if (row.display_name == server.display_name) return DisplayNameTaken(server.display_name);
    }
    DbServerRecord row;
    row.id = identity::NewRandomUuid();
    row.display_name = server.display_name;
    row.host = server.host;
    row.port = server.port;
    row.server_type = server.server_type;
    row.max_instances = server.max_instances;
    row.labels = server.labels;
    row.create_time = row.update_time = Now();
    row.version = 1;
    rows_[row.id] = row;
    return row;
  });
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::Update(
    const std::string& id, const DbServerChanges& changes, std::optional<int64_t> expected_version,
    const UpdateRules& rules, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  return Ledgered(request, call.deadline, [&]() -> absl::StatusOr<DbServerRecord> {
    auto found = Find(id);
    if (!found.ok()) return found.status();
    DbServerRecord& row = **found;
    if (expected_version && row.version != *expected_version) return EtagMismatch();
    const auto explained = [&](absl::Status fallback) {
      if (rules.explain) {
        if (absl::Status broken = rules.explain(row); !broken.ok()) return broken;
      }
      return fallback;
    };
    if (changes.state && *changes.state != row.state && !rules.allowed_from.empty() &&
        std::find(rules.allowed_from.begin(), rules.allowed_from.end(), row.state) ==
            rules.allowed_from.end()) {
      return explained(RepositoryInternal("the state rule refused the change unexplained"));
    }
    DbServerRecord next = Applied(row, changes);
    if (next.max_instances < next.instance_count) {
      return explained(CapacityBelowCount(next.instance_count, next.max_instances));
    }
    // As kUpdate: setting the current values again is a no-op that keeps the etag
    // and update_time (and is still ledgered).
    if (WritableColumns(next) == WritableColumns(row)) return row;
    next.version = row.version + 1;
    next.update_time = Now();
    row = next;
    return row;
  });
}

absl::Status InMemoryDbServerRepository::Delete(const std::string& id,
                                                std::optional<int64_t> expected_version,
                                                bool allow_missing,
                                                const std::optional<RequestIdentity>& request,
                                                const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  bool missing = false;
  absl::StatusOr<DbServerRecord> deleted =
      Ledgered(request, call.deadline, [&]() -> absl::StatusOr<DbServerRecord> {
        auto row = identity::IsUuid(id) ? rows_.find(id) : rows_.end();
        if (row == rows_.end()) {
          missing = true;
          return DbServerNotFound(id);
        }
        if (expected_version && row->second.version != *expected_version) return EtagMismatch();
        if (row->second.instance_count > 0 || referenced_.count(id) > 0) {
          return DbServerInUse(id);
        }
        rows_.erase(row);
        return DbServerRecord();
      });
  // A missing row with allow_missing is OK, and (as in the table) not recorded.
  if (missing && allow_missing) return absl::OkStatus();
  return deleted.status();
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::FindAvailable(
    const std::string& server_type, const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  if (absl::Now() >= call.deadline) return CallDeadlineExceeded();
  const DbServerRecord* row = LeastLoaded(server_type);
  if (row == nullptr) return NoAvailableDbServer(server_type);
  return *row;
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::ChangeCount(
    const std::string& id, int delta, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  return Ledgered(request, call.deadline, [&]() -> absl::StatusOr<DbServerRecord> {
    auto found = Find(id);
    if (!found.ok()) return found.status();
    DbServerRecord& row = **found;
    if (delta > 0) {
      if (row.state != DbServerState::kActive) return DbServerNotActive(id, row.state);
      if (row.instance_count >= row.max_instances) {
        return DbServerFull(id, row.instance_count, row.max_instances);
      }
    } else if (row.instance_count <= 0) {
      return DbServerEmpty(id);
    }
    row.instance_count += delta;
    ++row.version;
    row.update_time = Now();
    return row;
  });
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::Increment(
    const std::string& id, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  return ChangeCount(id, +1, request, call);
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::Decrement(
    const std::string& id, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  return ChangeCount(id, -1, request, call);
}

absl::StatusOr<DbServerRecord> InMemoryDbServerRepository::Allocate(
    const std::string& server_type, const std::optional<RequestIdentity>& request,
    const RepositoryCall& call) {
  absl::MutexLock lock(&mu_);
  return Ledgered(request, call.deadline, [&]() -> absl::StatusOr<DbServerRecord> {
    DbServerRecord* row = LeastLoaded(server_type);
    if (row == nullptr) return NoCapacity(server_type);
    ++row->instance_count;
    ++row->version;
    row->update_time = Now();
    return *row;
  });
}

void InMemoryDbServerRepository::SetReferencedByInstances(const std::string& id, bool referenced) {
  absl::MutexLock lock(&mu_);
  if (referenced) {
    referenced_.insert(id);
  } else {
    referenced_.erase(id);
  }
}

}  // namespace dbs::instance
