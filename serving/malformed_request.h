#ifndef SERVING_MALFORMED_REQUEST_H_
#define SERVING_MALFORMED_REQUEST_H_

#include <functional>
#include <memory>
#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"

namespace dbs::serving {

// gRPC answers a request whose bytes do not parse as the method's message (a
// proto3 string field holding invalid UTF-8, a truncated field, ...) before any
// handler runs: INTERNAL from the sync API, UNIMPLEMENTED from the callback API. That is the
// caller's input, not a bug in the server (nor a missing method): this interceptor replaces that
// status with `status_for(method)`, which a service makes INVALID_ARGUMENT with its own error
// details. (protobuf still logs its own line about invalid UTF-8.)
//
// Add the factory first in GrpcHostOptions::interceptors.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeMalformedRequestInterceptorFactory(
    std::function<grpc::Status(const std::string& method)> status_for);

}  // namespace dbs::serving

#endif  // SERVING_MALFORMED_REQUEST_H_
