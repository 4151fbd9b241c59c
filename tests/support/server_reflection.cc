#include "tests/support/server_reflection.h"

#include <catch2/catch.hpp>

#include "grpcpp/client_context.h"

namespace dbs::testing {

using grpc::reflection::v1alpha::ServerReflection;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;

ServerReflectionResponse QueryServerReflection(const std::shared_ptr<grpc::Channel>& channel,
                                               const ServerReflectionRequest& request) {
  auto stub = ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  REQUIRE(stream->Write(request));
  stream->WritesDone();
  ServerReflectionResponse response, trailing;
  REQUIRE(stream->Read(&response));
  while (stream->Read(&trailing)) {  // the server closes after one answer
  }
  REQUIRE(stream->Finish().ok());
  return response;
}

std::set<std::string> ReflectedServiceNames(const std::shared_ptr<grpc::Channel>& channel) {
  ServerReflectionRequest request;
  request.set_list_services("*");
  const ServerReflectionResponse response = QueryServerReflection(channel, request);
  std::set<std::string> names;
  for (const auto& listed : response.list_services_response().service()) {
    names.insert(listed.name());
  }
  return names;
}

}  // namespace dbs::testing
