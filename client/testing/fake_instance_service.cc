#include "client/testing/fake_instance_service.h"

#include <utility>

#include "instance_service/repository/in_memory_db_server_repository.h"
#include "instance_service/service/db_server_handlers.h"

namespace dbs::client::testing {

namespace v1 = ::instance::v1;

struct FakeInstanceService::Server {
  std::shared_ptr<dbs::instance::InMemoryDbServerRepository> repository =
      std::make_shared<dbs::instance::InMemoryDbServerRepository>();
  dbs::instance::DbServerHandlers handlers{repository};
};

FakeInstanceService::FakeInstanceService() : server_(std::make_unique<Server>()) {}
FakeInstanceService::~FakeInstanceService() = default;

void FakeInstanceService::FailNextCalls(const absl::Status& status, int count) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < count; ++i) injected_.push_back(status);
}

void FakeInstanceService::SetReferencedByInstances(const std::string& id, bool referenced) {
  server_->repository->SetReferencedByInstances(id, referenced);
}

std::optional<absl::Status> FakeInstanceService::TakeInjectedFailure() {
  absl::MutexLock lock(&mu_);
  if (injected_.empty()) return std::nullopt;
  absl::Status injected = std::move(injected_.front());
  injected_.pop_front();
  return injected;
}

template <typename Request, typename Response, typename Handler>
void FakeInstanceService::Serve(Handler handler, const Request& request, absl::Time deadline,
                                ResultCallback<Response>& done) {
  if (std::optional<absl::Status> injected = TakeInjectedFailure()) {
    done(*std::move(injected));
    return;
  }
  Response response;
  const absl::Status status = (server_->handlers.*handler)(request, deadline, &response);
  if (!status.ok()) {
    done(status);
    return;
  }
  done(std::move(response));
}

// Each RPC is the handler of the same name.
#define DBS_DEFINE_FAKE_RPC(Name)                                                       \
  void FakeInstanceService::Name(const v1::Name##Request& request, absl::Time deadline, \
                                 ResultCallback<v1::Name##Response> done) {             \
    Serve(&dbs::instance::DbServerHandlers::Name, request, deadline, done);             \
  }
DBS_DEFINE_FAKE_RPC(ListDbServers)
DBS_DEFINE_FAKE_RPC(GetDbServer)
DBS_DEFINE_FAKE_RPC(CreateDbServer)
DBS_DEFINE_FAKE_RPC(UpdateDbServer)
DBS_DEFINE_FAKE_RPC(DeleteDbServer)
DBS_DEFINE_FAKE_RPC(FindAvailableDbServer)
DBS_DEFINE_FAKE_RPC(IncrementInstanceCount)
DBS_DEFINE_FAKE_RPC(DecrementInstanceCount)
DBS_DEFINE_FAKE_RPC(AllocateDbServer)
#undef DBS_DEFINE_FAKE_RPC

}  // namespace dbs::client::testing
