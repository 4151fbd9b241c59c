#ifndef TESTS_CLIENT_CONFORMANCE_CONFORMANCE_BACKEND_H_
#define TESTS_CLIENT_CONFORMANCE_CONFORMANCE_BACKEND_H_

#include <memory>

#include "client/instance_service_client.h"

namespace dbs::client::conformance {

// What the conformance suite runs against: an empty instance-service behind a
// client. conformance_suite.cc holds the checks; each test executable links one
// backend (the fake, or the real binary on a scratch PostgreSQL database) that
// defines MakeBackend(). The same checks passing on both is what keeps the fake
// from drifting.
class Backend {
 public:
  virtual ~Backend() = default;
  // A client of this backend; it starts with no pools.
  virtual InstanceServiceClient client() = 0;
};

// A fresh, empty backend for one test case. Defined once per test executable.
std::unique_ptr<Backend> MakeBackend();

}  // namespace dbs::client::conformance

#endif  // TESTS_CLIENT_CONFORMANCE_CONFORMANCE_BACKEND_H_
