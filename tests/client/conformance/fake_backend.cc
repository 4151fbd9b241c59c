// The conformance suite against the in-memory fake (label `unit`).
#include <memory>

#include "client/testing/fake_instance_service.h"
#include "tests/client/conformance/conformance_backend.h"

namespace dbs::client::conformance {
namespace {

class FakeBackend : public Backend {
 public:
  InstanceServiceClient client() override { return InstanceServiceClient(fake_); }

 private:
  std::shared_ptr<testing::FakeInstanceService> fake_ =
      std::make_shared<testing::FakeInstanceService>();
};

}  // namespace

std::unique_ptr<Backend> MakeBackend() { return std::make_unique<FakeBackend>(); }

}  // namespace dbs::client::conformance
