// The conformance suite against the real instance-service binary on a scratch
// PostgreSQL database of the `postgres` fixture (label `integration`).
#include <memory>
#include <utility>

#include <catch2/catch.hpp>

#include "tests/client/conformance/conformance_backend.h"
#include "tests/client/real_instance_service.h"

namespace dbs::client::conformance {
namespace {

class ServerBackend : public Backend {
 public:
  InstanceServiceClient client() override { return server_.Client(); }

 private:
  RealInstanceService server_;
};

}  // namespace

std::unique_ptr<Backend> MakeBackend() { return std::make_unique<ServerBackend>(); }

}  // namespace dbs::client::conformance
