#include "instance_service/service/db_server_handlers.h"

#include <optional>
#include <string>
#include <utility>

#include "errors/error_status.h"
#include "instance_service/repository/db_server_errors.h"
#include "instance_service/rules/filter_parser.h"
#include "instance_service/rules/page_token.h"
#include "instance_service/rules/record_mapping.h"
#include "instance_service/rules/request_validation.h"
#include "instance_service/rules/state_transitions.h"
#include "instance_service/rules/update_mask.h"
#include "instance_service/service/request_fingerprint.h"

namespace dbs::instance {
namespace {

namespace v1 = ::instance::v1;

// Evaluates an expression yielding absl::Status and returns it from the enclosing
// function when it is not OK.
#define DBS_RETURN_IF_ERROR(expr)                                     \
  do {                                                                \
    if (absl::Status _status = (expr); !_status.ok()) return _status; \
  } while (0)

// Puts a repository result into `response`, or returns its error annotated with
// the ErrorInfo metadata entry {key, value} naming what the call was about.
template <typename Response>
absl::Status Answer(absl::StatusOr<DbServerRecord> record, Response* response, const char* key,
                    const std::string& value) {
  if (!record.ok()) return errors::WithMetadata(record.status(), {{key, value}});
  *response->mutable_db_server() = ToProto(*record);
  return absl::OkStatus();
}

// The rules an update must satisfy against the stored row: the repository enforces
// them inside the write, and explains a refusal with the same rules.
UpdateRules RulesFor(const DbServerChanges& changes) {
  UpdateRules rules;
  if (changes.state.has_value()) rules.allowed_from = AllowedSourceStates(*changes.state);
  rules.explain = [changes](const DbServerRecord& current) -> absl::Status {
    if (changes.state.has_value()) {
      DBS_RETURN_IF_ERROR(CheckStateTransition(current.state, *changes.state));
    }
    if (changes.max_instances.has_value() && *changes.max_instances < current.instance_count) {
      return CapacityBelowCount(current.instance_count, *changes.max_instances);
    }
    return absl::OkStatus();
  };
  return rules;
}

std::optional<int64_t> ExpectedVersion(const std::string& etag) {
  if (etag.empty()) return std::nullopt;
  // Validation already accepted the etag, so it parses.
  return ParseEtag(etag, "etag").value();
}

}  // namespace

DbServerHandlers::DbServerHandlers(std::shared_ptr<DbServerRepository> repository)
    : repository_(std::move(repository)) {}

absl::Status DbServerHandlers::ListDbServers(const v1::ListDbServersRequest& request,
                                             absl::Time deadline,
                                             v1::ListDbServersResponse* response) const {
  DBS_RETURN_IF_ERROR(ValidateListDbServersRequest(request));
  auto terms = ParseFilter(request.filter());
  if (!terms.ok()) return terms.status();
  ListQuery query;
  query.terms = *std::move(terms);
  query.page_size = EffectivePageSize(request.page_size());
  if (!request.page_token().empty()) {
    auto after = DecodePageToken(request.page_token(), request.filter());
    if (!after.ok()) return after.status();
    query.after_display_name = *std::move(after);
  }
  auto page = repository_->List(query, RepositoryCall{deadline});
  if (!page.ok()) return page.status();
  for (const DbServerRecord& record : page->records) *response->add_db_servers() = ToProto(record);
  if (page->has_more && !page->records.empty()) {
    response->set_next_page_token(
        EncodePageToken(page->records.back().display_name, request.filter()));
  }
  return absl::OkStatus();
}

absl::Status DbServerHandlers::GetDbServer(const v1::GetDbServerRequest& request,
                                           absl::Time deadline,
                                           v1::GetDbServerResponse* response) const {
  DBS_RETURN_IF_ERROR(ValidateGetDbServerRequest(request));
  return Answer(repository_->Get(request.id(), RepositoryCall{deadline}), response, "id",
                request.id());
}

absl::Status DbServerHandlers::CreateDbServer(const v1::CreateDbServerRequest& request,
                                              absl::Time deadline,
                                              v1::CreateDbServerResponse* response) const {
  DBS_RETURN_IF_ERROR(ValidateCreateDbServerRequest(request));
  return Answer(repository_->Create(FromCreateRequest(request.db_server()),
                                    IdentityOf("CreateDbServer", request, request.request_id()),
                                    RepositoryCall{deadline}),
                response, "display_name", request.db_server().display_name());
}

absl::Status DbServerHandlers::UpdateDbServer(const v1::UpdateDbServerRequest& request,
                                              absl::Time deadline,
                                              v1::UpdateDbServerResponse* response) const {
  auto changes = ChangesFromUpdateRequest(request, absl::Now());
  if (!changes.ok()) return changes.status();
  const std::string& id = request.db_server().id();
  return Answer(repository_->Update(id, *changes, ExpectedVersion(request.db_server().etag()),
                                    RulesFor(*changes),
                                    IdentityOf("UpdateDbServer", request, request.request_id()),
                                    RepositoryCall{deadline}),
                response, "id", id);
}

absl::Status DbServerHandlers::DeleteDbServer(const v1::DeleteDbServerRequest& request,
                                              absl::Time deadline,
                                              v1::DeleteDbServerResponse* /*response*/) const {
  DBS_RETURN_IF_ERROR(ValidateDeleteDbServerRequest(request));
  return errors::WithMetadata(
      repository_->Delete(request.id(), ExpectedVersion(request.etag()), request.allow_missing(),
                          IdentityOf("DeleteDbServer", request, request.request_id()),
                          RepositoryCall{deadline}),
      {{"id", request.id()}});
}

absl::Status DbServerHandlers::FindAvailableDbServer(
    const v1::FindAvailableDbServerRequest& request, absl::Time deadline,
    v1::FindAvailableDbServerResponse* response) const {
  DBS_RETURN_IF_ERROR(ValidateFindAvailableDbServerRequest(request));
  return Answer(repository_->FindAvailable(request.server_type(), RepositoryCall{deadline}),
                response, "server_type", request.server_type());
}

absl::Status DbServerHandlers::IncrementInstanceCount(
    const v1::IncrementInstanceCountRequest& request, absl::Time deadline,
    v1::IncrementInstanceCountResponse* response) const {
  DBS_RETURN_IF_ERROR(ValidateIncrementInstanceCountRequest(request));
  return Answer(
      repository_->Increment(request.id(),
                             IdentityOf("IncrementInstanceCount", request, request.request_id()),
                             RepositoryCall{deadline}),
      response, "id", request.id());
}

absl::Status DbServerHandlers::DecrementInstanceCount(
    const v1::DecrementInstanceCountRequest& request, absl::Time deadline,
    v1::DecrementInstanceCountResponse* response) const {
  DBS_RETURN_IF_ERROR(ValidateDecrementInstanceCountRequest(request));
  return Answer(
      repository_->Decrement(request.id(),
                             IdentityOf("DecrementInstanceCount", request, request.request_id()),
                             RepositoryCall{deadline}),
      response, "id", request.id());
}

absl::Status DbServerHandlers::AllocateDbServer(const v1::AllocateDbServerRequest& request,
                                                absl::Time deadline,
                                                v1::AllocateDbServerResponse* response) const {
  DBS_RETURN_IF_ERROR(ValidateAllocateDbServerRequest(request));
  return Answer(repository_->Allocate(request.server_type(),
                                      IdentityOf("AllocateDbServer", request, request.request_id()),
                                      RepositoryCall{deadline}),
                response, "server_type", request.server_type());
}

}  // namespace dbs::instance
