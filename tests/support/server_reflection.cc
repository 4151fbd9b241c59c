#include "tests/support/server_reflection.h"

#include <catch2/catch.hpp>

#include "grpcpp/client_context.h"

namespace dbs::testing {
namespace {

// One request and its answer on either protocol version: their services and
// messages have the same shape.
template <typename Service, typename Request, typename Response>
Response Query(const std::shared_ptr<grpc::Channel>& channel, const Request& request) {
  auto stub = Service::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  REQUIRE(stream->Write(request));
  stream->WritesDone();
  Response response, trailing;
  REQUIRE(stream->Read(&response));
  while (stream->Read(&trailing)) {  // the server closes after one answer
  }
  REQUIRE(stream->Finish().ok());
  return response;
}

template <typename Service, typename Request, typename Response>
std::set<std::string> ServiceNames(const std::shared_ptr<grpc::Channel>& channel) {
  Request request;
  request.set_list_services("*");
  const Response response = Query<Service, Request, Response>(channel, request);
  std::set<std::string> names;
  for (const auto& listed : response.list_services_response().service()) {
    names.insert(listed.name());
  }
  return names;
}

namespace v1 = grpc::reflection::v1;
namespace v1alpha = grpc::reflection::v1alpha;

}  // namespace

v1alpha::ServerReflectionResponse QueryServerReflection(
    const std::shared_ptr<grpc::Channel>& channel,
    const v1alpha::ServerReflectionRequest& request) {
  return Query<v1alpha::ServerReflection, v1alpha::ServerReflectionRequest,
               v1alpha::ServerReflectionResponse>(channel, request);
}

v1::ServerReflectionResponse QueryServerReflectionV1(const std::shared_ptr<grpc::Channel>& channel,
                                                     const v1::ServerReflectionRequest& request) {
  return Query<v1::ServerReflection, v1::ServerReflectionRequest, v1::ServerReflectionResponse>(
      channel, request);
}

std::set<std::string> ReflectedServiceNames(const std::shared_ptr<grpc::Channel>& channel) {
  return ServiceNames<v1alpha::ServerReflection, v1alpha::ServerReflectionRequest,
                      v1alpha::ServerReflectionResponse>(channel);
}

std::set<std::string> ReflectedServiceNamesV1(const std::shared_ptr<grpc::Channel>& channel) {
  return ServiceNames<v1::ServerReflection, v1::ServerReflectionRequest,
                      v1::ServerReflectionResponse>(channel);
}

}  // namespace dbs::testing
