#ifndef TESTS_SUPPORT_SERVER_REFLECTION_H_
#define TESTS_SUPPORT_SERVER_REFLECTION_H_

#include <memory>
#include <set>
#include <string>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/channel.h"

// Clients of gRPC server reflection, for tests of the real binaries. Link
// dbs::test_server_reflection only into tests that do not link
// libgrpc++_reflection: that library registers v1alpha's reflection.proto itself.
namespace dbs::testing {

// Sends one request on the bidirectional grpc.reflection.v1alpha stream, as
// grpcurl before 1.8.8 does, and returns the first answer. Fails the current
// Catch2 test (REQUIRE) when the request cannot be written, no answer arrives, or
// the stream does not finish OK.
grpc::reflection::v1alpha::ServerReflectionResponse QueryServerReflection(
    const std::shared_ptr<grpc::Channel>& channel,
    const grpc::reflection::v1alpha::ServerReflectionRequest& request);

// The same on grpc.reflection.v1, which grpcurl >= 1.8.8, grpcui and Postman try
// first (served by serving/reflection_v1.h).
grpc::reflection::v1::ServerReflectionResponse QueryServerReflectionV1(
    const std::shared_ptr<grpc::Channel>& channel,
    const grpc::reflection::v1::ServerReflectionRequest& request);

// The full names of the services `channel`'s server lists through reflection
// (a list_services "*" request), e.g. "grpc.health.v1.Health", over v1alpha or
// v1. Fail the test as QueryServerReflection does.
std::set<std::string> ReflectedServiceNames(const std::shared_ptr<grpc::Channel>& channel);
std::set<std::string> ReflectedServiceNamesV1(const std::shared_ptr<grpc::Channel>& channel);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_SERVER_REFLECTION_H_
