#include "client/testing/fake_instance_service.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/error_reason.h"
#include "client/internal/request_id.h"
#include "client/testing/fake_request_checks.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace dbs::client::testing {
namespace {

namespace v1 = ::instance::v1;
using testing_internal::CheckId;
using testing_internal::CheckNewDbServer;
using testing_internal::CheckServerType;
using testing_internal::CheckUpdate;
using testing_internal::ParseFilter;
using testing_internal::TransitionAllowed;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;
constexpr char kPageTokenPrefix[] = "fake-page:";

void SetNow(google::protobuf::Timestamp& timestamp) {
  const absl::Time now = absl::Now();
  const int64_t seconds = absl::ToUnixSeconds(now);
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(
      static_cast<int32_t>((now - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

// The request without its request_id, serialized deterministically: what a
// replay must match.
std::string Fingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes = copy->GetDescriptor()->full_name() + ":";
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  return bytes;
}

absl::Status NotFound(const std::string& id) {
  return MakeError(absl::StatusCode::kNotFound, absl::StrCat("db server ", id, " not found"),
                   v1::DB_SERVER_NOT_FOUND, {{"id", id}});
}

absl::Status Precondition(const std::string& message, v1::ErrorReason reason,
                          std::map<std::string, std::string> metadata) {
  return MakeError(absl::StatusCode::kFailedPrecondition, message, reason, metadata);
}

absl::Status EtagMismatch(const std::string& id) {
  return MakeError(absl::StatusCode::kAborted,
                   absl::StrCat("etag of db server ", id, " is stale; re-read and retry"),
                   v1::ETAG_MISMATCH, {{"id", id}});
}

// The page token after `display_name` for `filter`, and back.
std::string PageToken(const std::string& filter, const std::string& display_name) {
  return absl::WebSafeBase64Escape(absl::StrCat(kPageTokenPrefix, filter, "\n", display_name));
}

absl::StatusOr<std::string> AfterDisplayName(const std::string& token, const std::string& filter) {
  std::string decoded;
  const std::string expected_prefix = absl::StrCat(kPageTokenPrefix, filter, "\n");
  if (!absl::WebSafeBase64Unescape(token, &decoded) ||
      decoded.compare(0, expected_prefix.size(), expected_prefix) != 0) {
    return errors::InvalidArgument(v1::INVALID_PAGE_TOKEN,
                                   {{"page_token", "not from this listing"}});
  }
  return decoded.substr(expected_prefix.size());
}

}  // namespace

template <typename Response, typename Apply>
absl::StatusOr<Response> FakeInstanceService::Call(const google::protobuf::Message& request,
                                                   const std::string& request_id,
                                                   absl::Time deadline, Apply apply) {
  absl::MutexLock lock(&mu_);
  if (!injected_.empty()) {
    absl::Status injected = std::move(injected_.front());
    injected_.pop_front();
    return injected;
  }
  if (absl::Now() >= deadline) {
    return MakeError(absl::StatusCode::kDeadlineExceeded, "deadline exceeded", v1::QUERY_TIMEOUT);
  }
  if (absl::Status checked = testing_internal::CheckRequestId(request_id); !checked.ok()) {
    return checked;
  }
  std::string fingerprint;
  if (!request_id.empty()) {
    fingerprint = Fingerprint(request);
    auto replay = replays_.find(request_id);
    if (replay != replays_.end()) {
      if (replay->second.fingerprint != fingerprint) {
        return errors::InvalidArgument(v1::REQUEST_ID_REUSED,
                                       {{"request_id", "already used for a different request"}});
      }
      Response first;
      first.ParseFromString(replay->second.response);
      return first;
    }
  }
  absl::StatusOr<Response> result = apply();
  if (result.ok() && !request_id.empty()) {
    replays_[request_id] = Replay{std::move(fingerprint), result->SerializeAsString()};
  }
  return result;
}

absl::StatusOr<FakeInstanceService::Row*> FakeInstanceService::Find(const std::string& id) {
  if (absl::Status checked = CheckId("id", id); !checked.ok()) return checked;
  auto it = rows_.find(id);
  if (it == rows_.end()) return NotFound(id);
  return &it->second;
}

void FakeInstanceService::Touch(Row& row) {
  ++row.version;
  row.db_server.set_etag(absl::StrCat("W/\"", row.version, "\""));
  SetNow(*row.db_server.mutable_update_time());
}

FakeInstanceService::Row* FakeInstanceService::LeastLoaded(const std::string& server_type) {
  Row* best = nullptr;
  for (auto& [id, row] : rows_) {
    const v1::DbServer& s = row.db_server;
    if (s.server_type() != server_type || s.state() != v1::DbServer::STATE_ACTIVE ||
        s.health() != v1::DbServer::HEALTH_HEALTHY || s.instance_count() >= s.max_instances()) {
      continue;
    }
    // Lower load first: a/b < c/d  <=>  a*d < c*b (all positive); ties by id,
    // which the map order already gives.
    if (best == nullptr || int64_t{s.instance_count()} * best->db_server.max_instances() <
                               int64_t{best->db_server.instance_count()} * s.max_instances()) {
      best = &row;
    }
  }
  return best;
}

void FakeInstanceService::FailNextCalls(absl::Status status, int count) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < count; ++i) injected_.push_back(status);
}

void FakeInstanceService::SetReferencedByInstances(const std::string& id, bool referenced) {
  absl::MutexLock lock(&mu_);
  auto it = rows_.find(id);
  if (it != rows_.end()) it->second.referenced = referenced;
}

void FakeInstanceService::ListDbServers(const v1::ListDbServersRequest& request,
                                        absl::Time deadline,
                                        ResultCallback<v1::ListDbServersResponse> done) {
  done(Call<v1::ListDbServersResponse>(
      request, "", deadline, [&]() -> absl::StatusOr<v1::ListDbServersResponse> {
        if (request.page_size() < 0) {
          return errors::InvalidArgument(v1::INVALID_FIELD,
                                         {{"page_size", "must not be negative"}});
        }
        auto matches = ParseFilter(request.filter());
        if (!matches.ok()) return matches.status();
        std::string after;
        if (!request.page_token().empty()) {
          auto decoded = AfterDisplayName(request.page_token(), request.filter());
          if (!decoded.ok()) return decoded.status();
          after = *decoded;
        }
        const int page_size = request.page_size() == 0
                                  ? kDefaultPageSize
                                  : std::min(request.page_size(), kMaxPageSize);
        std::vector<const v1::DbServer*> sorted;
        for (const auto& [id, row] : rows_) {
          if ((after.empty() || row.db_server.display_name() > after) &&
              (*matches)(row.db_server)) {
            sorted.push_back(&row.db_server);
          }
        }
        std::sort(sorted.begin(), sorted.end(), [](const v1::DbServer* a, const v1::DbServer* b) {
          return a->display_name() < b->display_name();
        });
        v1::ListDbServersResponse response;
        for (const v1::DbServer* s : sorted) {
          if (response.db_servers_size() == page_size) {
            response.set_next_page_token(
                PageToken(request.filter(), response.db_servers().rbegin()->display_name()));
            break;
          }
          *response.add_db_servers() = *s;
        }
        return response;
      }));
}

void FakeInstanceService::GetDbServer(const v1::GetDbServerRequest& request, absl::Time deadline,
                                      ResultCallback<v1::GetDbServerResponse> done) {
  done(Call<v1::GetDbServerResponse>(request, "", deadline,
                                     [&]() -> absl::StatusOr<v1::GetDbServerResponse> {
                                       auto row = Find(request.id());
                                       if (!row.ok()) return row.status();
                                       v1::GetDbServerResponse response;
                                       *response.mutable_db_server() = (*row)->db_server;
                                       return response;
                                     }));
}

void FakeInstanceService::CreateDbServer(const v1::CreateDbServerRequest& request,
                                         absl::Time deadline,
                                         ResultCallback<v1::CreateDbServerResponse> done) {
  done(Call<v1::CreateDbServerResponse>(
      request, request.request_id(), deadline, [&]() -> absl::StatusOr<v1::CreateDbServerResponse> {
        if (absl::Status checked = CheckNewDbServer(request.db_server()); !checked.ok()) {
          return checked;
        }
        for (const auto& [id, row] : rows_) {
          if (row.db_server.display_name() == request.db_server().display_name()) {
            return MakeError(
                absl::StatusCode::kAlreadyExists,
                absl::StrCat("display_name \"", row.db_server.display_name(), "\" is taken"),
                v1::DISPLAY_NAME_TAKEN, {{"display_name", row.db_server.display_name()}});
          }
        }
        Row row;
        v1::DbServer& s = row.db_server;
        const v1::DbServer& in = request.db_server();
        s.set_id(internal::NewRequestId());
        s.set_display_name(in.display_name());
        s.set_host(in.host());
        s.set_port(in.port());
        s.set_server_type(in.server_type());
        s.set_state(v1::DbServer::STATE_PROVISIONING);
        s.set_max_instances(in.max_instances());
        *s.mutable_labels() = in.labels();
        SetNow(*s.mutable_create_time());
        Touch(row);
        *s.mutable_update_time() = s.create_time();
        v1::CreateDbServerResponse response;
        *response.mutable_db_server() = s;
        rows_[s.id()] = std::move(row);
        return response;
      }));
}

void FakeInstanceService::UpdateDbServer(const v1::UpdateDbServerRequest& request,
                                         absl::Time deadline,
                                         ResultCallback<v1::UpdateDbServerResponse> done) {
  done(Call<v1::UpdateDbServerResponse>(
      request, request.request_id(), deadline, [&]() -> absl::StatusOr<v1::UpdateDbServerResponse> {
        const v1::DbServer& in = request.db_server();
        if (absl::Status checked = CheckId("db_server.id", in.id()); !checked.ok()) return checked;
        if (absl::Status checked = CheckUpdate(request); !checked.ok()) return checked;
        auto found = Find(in.id());
        if (!found.ok()) return found.status();
        Row& row = **found;
        if (!in.etag().empty() && in.etag() != row.db_server.etag()) return EtagMismatch(in.id());
        v1::DbServer updated = row.db_server;
        for (const std::string& path : request.update_mask().paths()) {
          if (path == "state") {
            if (!TransitionAllowed(updated.state(), in.state())) {
              return Precondition(absl::StrCat("state cannot change from ",
                                               v1::DbServer::State_Name(updated.state()), " to ",
                                               v1::DbServer::State_Name(in.state())),
                                  v1::INVALID_STATE_TRANSITION,
                                  {{"from", v1::DbServer::State_Name(updated.state())},
                                   {"to", v1::DbServer::State_Name(in.state())}});
            }
            updated.set_state(in.state());
          } else if (path == "health") {
            updated.set_health(in.health());
          } else if (path == "health_message") {
            updated.set_health_message(in.health_message());
          } else if (path == "last_health_check_time") {
            *updated.mutable_last_health_check_time() = in.last_health_check_time();
          } else if (path == "max_instances") {
            if (in.max_instances() < updated.instance_count()) {
              return Precondition(
                  absl::StrCat("max_instances ", in.max_instances(), " is below instance_count ",
                               updated.instance_count()),
                  v1::CAPACITY_BELOW_COUNT,
                  {{"instance_count", absl::StrCat(updated.instance_count())},
                   {"max_instances", absl::StrCat(in.max_instances())}});
            }
            updated.set_max_instances(in.max_instances());
          } else if (path == "host") {
            updated.set_host(in.host());
          } else if (path == "port") {
            updated.set_port(in.port());
          } else if (path == "labels") {
            *updated.mutable_labels() = in.labels();
          }
        }
        row.db_server = std::move(updated);
        Touch(row);
        v1::UpdateDbServerResponse response;
        *response.mutable_db_server() = row.db_server;
        return response;
      }));
}

void FakeInstanceService::DeleteDbServer(const v1::DeleteDbServerRequest& request,
                                         absl::Time deadline,
                                         ResultCallback<v1::DeleteDbServerResponse> done) {
  done(Call<v1::DeleteDbServerResponse>(
      request, request.request_id(), deadline, [&]() -> absl::StatusOr<v1::DeleteDbServerResponse> {
        if (absl::Status checked = CheckId("id", request.id()); !checked.ok()) return checked;
        auto it = rows_.find(request.id());
        if (it == rows_.end()) {
          if (request.allow_missing()) return v1::DeleteDbServerResponse();
          return NotFound(request.id());
        }
        if (!request.etag().empty() && request.etag() != it->second.db_server.etag()) {
          return EtagMismatch(request.id());
        }
        if (it->second.db_server.instance_count() > 0 || it->second.referenced) {
          return Precondition(absl::StrCat("db server ", request.id(), " still holds instances"),
                              v1::DB_SERVER_IN_USE, {{"id", request.id()}});
        }
        rows_.erase(it);
        return v1::DeleteDbServerResponse();
      }));
}

void FakeInstanceService::FindAvailableDbServer(
    const v1::FindAvailableDbServerRequest& request, absl::Time deadline,
    ResultCallback<v1::FindAvailableDbServerResponse> done) {
  done(Call<v1::FindAvailableDbServerResponse>(
      request, "", deadline, [&]() -> absl::StatusOr<v1::FindAvailableDbServerResponse> {
        if (absl::Status checked = CheckServerType("server_type", request.server_type());
            !checked.ok()) {
          return checked;
        }
        Row* row = LeastLoaded(request.server_type());
        if (row == nullptr) {
          return MakeError(absl::StatusCode::kNotFound,
                           absl::StrCat("no available db server of type ", request.server_type()),
                           v1::NO_AVAILABLE_DB_SERVER, {{"server_type", request.server_type()}});
        }
        v1::FindAvailableDbServerResponse response;
        *response.mutable_db_server() = row->db_server;
        return response;
      }));
}

void FakeInstanceService::IncrementInstanceCount(
    const v1::IncrementInstanceCountRequest& request, absl::Time deadline,
    ResultCallback<v1::IncrementInstanceCountResponse> done) {
  done(Call<v1::IncrementInstanceCountResponse>(
      request, request.request_id(), deadline,
      [&]() -> absl::StatusOr<v1::IncrementInstanceCountResponse> {
        auto found = Find(request.id());
        if (!found.ok()) return found.status();
        Row& row = **found;
        v1::DbServer& s = row.db_server;
        if (s.state() != v1::DbServer::STATE_ACTIVE) {
          return Precondition(absl::StrCat("db server ", s.id(), " is not ACTIVE"),
                              v1::DB_SERVER_NOT_ACTIVE,
                              {{"id", s.id()}, {"state", v1::DbServer::State_Name(s.state())}});
        }
        if (s.instance_count() >= s.max_instances()) {
          return Precondition(absl::StrCat("db server ", s.id(), " is full"), v1::DB_SERVER_FULL,
                              {{"id", s.id()},
                               {"instance_count", absl::StrCat(s.instance_count())},
                               {"max_instances", absl::StrCat(s.max_instances())}});
        }
        s.set_instance_count(s.instance_count() + 1);
        Touch(row);
        v1::IncrementInstanceCountResponse response;
        *response.mutable_db_server() = s;
        return response;
      }));
}

void FakeInstanceService::DecrementInstanceCount(
    const v1::DecrementInstanceCountRequest& request, absl::Time deadline,
    ResultCallback<v1::DecrementInstanceCountResponse> done) {
  done(Call<v1::DecrementInstanceCountResponse>(
      request, request.request_id(), deadline,
      [&]() -> absl::StatusOr<v1::DecrementInstanceCountResponse> {
        auto found = Find(request.id());
        if (!found.ok()) return found.status();
        Row& row = **found;
        v1::DbServer& s = row.db_server;
        if (s.instance_count() == 0) {
          return Precondition(absl::StrCat("db server ", s.id(), " has no instances"),
                              v1::DB_SERVER_EMPTY, {{"id", s.id()}});
        }
        s.set_instance_count(s.instance_count() - 1);
        Touch(row);
        v1::DecrementInstanceCountResponse response;
        *response.mutable_db_server() = s;
        return response;
      }));
}

void FakeInstanceService::AllocateDbServer(const v1::AllocateDbServerRequest& request,
                                           absl::Time deadline,
                                           ResultCallback<v1::AllocateDbServerResponse> done) {
  done(Call<v1::AllocateDbServerResponse>(
      request, request.request_id(), deadline,
      [&]() -> absl::StatusOr<v1::AllocateDbServerResponse> {
        if (absl::Status checked = CheckServerType("server_type", request.server_type());
            !checked.ok()) {
          return checked;
        }
        Row* row = LeastLoaded(request.server_type());
        if (row == nullptr) {
          return MakeError(absl::StatusCode::kResourceExhausted,
                           absl::StrCat("no capacity for server_type ", request.server_type()),
                           v1::NO_CAPACITY, {{"server_type", request.server_type()}});
        }
        row->db_server.set_instance_count(row->db_server.instance_count() + 1);
        Touch(*row);
        v1::AllocateDbServerResponse response;
        *response.mutable_db_server() = row->db_server;
        return response;
      }));
}

}  // namespace dbs::client::testing
