#ifndef TESTS_SUPPORT_SERVER_REFLECTION_H_
#define TESTS_SUPPORT_SERVER_REFLECTION_H_

#include <memory>
#include <set>
#include <string>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/channel.h"

// A client of gRPC server reflection, for tests of the real binaries. Link
// dbs::test_server_reflection only into tests that do not link
// libgrpc++_reflection: that library registers reflection.proto itself.
namespace dbs::testing {

// Sends one request on the bidirectional grpc.reflection.v1alpha stream, as
// grpcurl does, and returns the first answer. Fails the current Catch2 test
// (REQUIRE) when the request cannot be written, no answer arrives, or the stream
// does not finish OK.
grpc::reflection::v1alpha::ServerReflectionResponse QueryServerReflection(
    const std::shared_ptr<grpc::Channel>& channel,
    const grpc::reflection::v1alpha::ServerReflectionRequest& request);

// The full names of the services `channel`'s server lists through reflection
// (a list_services "*" request), e.g. "grpc.health.v1.Health". Fails the test as
// QueryServerReflection does.
std::set<std::string> ReflectedServiceNames(const std::shared_ptr<grpc::Channel>& channel);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_SERVER_REFLECTION_H_
