#include "instance_service/service/db_server_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "instance_service/repository/error_reason.h"
#include "instance_service/service/filter_parser.h"
#include "instance_service/service/grpc_status.h"
#include "instance_service/service/page_token.h"
#include "instance_service/service/record_mapping.h"
#include "instance_service/service/request_fingerprint.h"
#include "instance_service/service/request_validation.h"
#include "instance_service/service/state_transitions.h"
#include "instance_service/service/update_mask.h"

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
  if (!record.ok()) return WithErrorMetadata(record.status(), {{key, value}});
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
      return WithErrorMetadata(
          ErrorWithReason(
              absl::StatusCode::kFailedPrecondition,
              absl::StrCat("max_instances ", *changes.max_instances,
                           " is below the current instance_count ", current.instance_count),
              "CAPACITY_BELOW_COUNT"),
          {{"instance_count", absl::StrCat(current.instance_count)},
           {"max_instances", absl::StrCat(*changes.max_instances)}});
    }
    return absl::OkStatus();
  };
  return rules;
}

serving::CallDispatcherOptions DispatcherOptions(const serving::CallTelemetry& telemetry) {
  serving::CallDispatcherOptions options;
  options.error_domain = kErrorDomain;
  options.telemetry = telemetry;
  return options;
}

std::optional<int64_t> ExpectedVersion(const std::string& etag) {
  if (etag.empty()) return std::nullopt;
  // Validation already accepted the etag, so it parses.
  return ParseEtag(etag, "etag").value();
}

}  // namespace

DbServerServiceImpl::DbServerServiceImpl(std::shared_ptr<DbServerRepository> repository,
                                         serving::BoundedExecutor* executor, Options options)
    : repository_(std::move(repository)),
      options_(options),
      dispatcher_(executor, &ToGrpcStatus, DispatcherOptions(options.telemetry)) {}

serving::CallDispatcher::Method DbServerServiceImpl::Rpc(absl::string_view name) const {
  return dispatcher_.ForMethod(
      absl::StrCat("/", v1::DbServerService::service_full_name(), "/", name));
}

CallOptions DbServerServiceImpl::CallFor(const grpc::ServerContextBase& context) const {
  const absl::Time fallback = absl::Now() + options_.default_deadline;
  const absl::Time requested = absl::FromChrono(context.deadline());
  return CallOptions{std::min(requested, fallback)};
}

grpc::ServerUnaryReactor* DbServerServiceImpl::ListDbServers(
    grpc::CallbackServerContext* context, const v1::ListDbServersRequest* request,
    v1::ListDbServersResponse* response) {
  return dispatcher_.Dispatch(context, list_, [this, context, request, response]() -> absl::Status {
    DBS_RETURN_IF_ERROR(ValidateListDbServersRequest(*request));
    auto terms = ParseFilter(request->filter());
    if (!terms.ok()) return terms.status();
    ListQuery query;
    query.terms = *std::move(terms);
    query.page_size = EffectivePageSize(request->page_size());
    if (!request->page_token().empty()) {
      auto after = DecodePageToken(request->page_token(), request->filter());
      if (!after.ok()) return after.status();
      query.after_display_name = *std::move(after);
    }
    auto page = repository_->List(query, CallFor(*context));
    if (!page.ok()) return page.status();
    for (const DbServerRecord& record : page->records) {
      *response->add_db_servers() = ToProto(record);
    }
    if (page->has_more && !page->records.empty()) {
      response->set_next_page_token(
          EncodePageToken(page->records.back().display_name, request->filter()));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::GetDbServer(grpc::CallbackServerContext* context,
                                                           const v1::GetDbServerRequest* request,
                                                           v1::GetDbServerResponse* response) {
  return dispatcher_.Dispatch(context, get_, [this, context, request, response]() -> absl::Status {
    DBS_RETURN_IF_ERROR(ValidateGetDbServerRequest(*request));
    return Answer(repository_->Get(request->id(), CallFor(*context)), response, "id",
                  request->id());
  });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::CreateDbServer(
    grpc::CallbackServerContext* context, const v1::CreateDbServerRequest* request,
    v1::CreateDbServerResponse* response) {
  return dispatcher_.Dispatch(
      context, create_, [this, context, request, response]() -> absl::Status {
        DBS_RETURN_IF_ERROR(ValidateCreateDbServerRequest(*request));
        return Answer(
            repository_->Create(FromCreateRequest(request->db_server()),
                                IdentityOf("CreateDbServer", *request, request->request_id()),
                                CallFor(*context)),
            response, "display_name", request->db_server().display_name());
      });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::UpdateDbServer(
    grpc::CallbackServerContext* context, const v1::UpdateDbServerRequest* request,
    v1::UpdateDbServerResponse* response) {
  return dispatcher_.Dispatch(
      context, update_, [this, context, request, response]() -> absl::Status {
        auto changes = ChangesFromUpdateRequest(*request, absl::Now());
        if (!changes.ok()) return changes.status();
        const std::string& id = request->db_server().id();
        return Answer(
            repository_->Update(
                id, *changes, ExpectedVersion(request->db_server().etag()), RulesFor(*changes),
                IdentityOf("UpdateDbServer", *request, request->request_id()), CallFor(*context)),
            response, "id", id);
      });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::DeleteDbServer(
    grpc::CallbackServerContext* context, const v1::DeleteDbServerRequest* request,
    v1::DeleteDbServerResponse* /*response*/) {
  return dispatcher_.Dispatch(context, delete_, [this, context, request]() -> absl::Status {
    DBS_RETURN_IF_ERROR(ValidateDeleteDbServerRequest(*request));
    return WithErrorMetadata(
        repository_->Delete(
            request->id(), ExpectedVersion(request->etag()), request->allow_missing(),
            IdentityOf("DeleteDbServer", *request, request->request_id()), CallFor(*context)),
        {{"id", request->id()}});
  });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::FindAvailableDbServer(
    grpc::CallbackServerContext* context, const v1::FindAvailableDbServerRequest* request,
    v1::FindAvailableDbServerResponse* response) {
  return dispatcher_.Dispatch(
      context, find_available_, [this, context, request, response]() -> absl::Status {
        DBS_RETURN_IF_ERROR(ValidateFindAvailableDbServerRequest(*request));
        return Answer(repository_->FindAvailable(request->server_type(), CallFor(*context)),
                      response, "server_type", request->server_type());
      });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::IncrementInstanceCount(
    grpc::CallbackServerContext* context, const v1::IncrementInstanceCountRequest* request,
    v1::IncrementInstanceCountResponse* response) {
  return dispatcher_.Dispatch(
      context, increment_, [this, context, request, response]() -> absl::Status {
        DBS_RETURN_IF_ERROR(ValidateIncrementInstanceCountRequest(*request));
        return Answer(repository_->Increment(
                          request->id(),
                          IdentityOf("IncrementInstanceCount", *request, request->request_id()),
                          CallFor(*context)),
                      response, "id", request->id());
      });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::DecrementInstanceCount(
    grpc::CallbackServerContext* context, const v1::DecrementInstanceCountRequest* request,
    v1::DecrementInstanceCountResponse* response) {
  return dispatcher_.Dispatch(
      context, decrement_, [this, context, request, response]() -> absl::Status {
        DBS_RETURN_IF_ERROR(ValidateDecrementInstanceCountRequest(*request));
        return Answer(repository_->Decrement(
                          request->id(),
                          IdentityOf("DecrementInstanceCount", *request, request->request_id()),
                          CallFor(*context)),
                      response, "id", request->id());
      });
}

grpc::ServerUnaryReactor* DbServerServiceImpl::AllocateDbServer(
    grpc::CallbackServerContext* context, const v1::AllocateDbServerRequest* request,
    v1::AllocateDbServerResponse* response) {
  return dispatcher_.Dispatch(
      context, allocate_, [this, context, request, response]() -> absl::Status {
        DBS_RETURN_IF_ERROR(ValidateAllocateDbServerRequest(*request));
        return Answer(
            repository_->Allocate(request->server_type(),
                                  IdentityOf("AllocateDbServer", *request, request->request_id()),
                                  CallFor(*context)),
            response, "server_type", request->server_type());
      });
}

}  // namespace dbs::instance
