#include "serving/malformed_request.h"

#include <utility>

namespace dbs::serving {
namespace {

using grpc::experimental::InterceptionHookPoints;

// What gRPC itself answers a request that did not deserialize: INTERNAL from the
// sync API, UNIMPLEMENTED from the callback API (gRPC 1.51's
// CallbackUnaryHandler fails the call with an UnimplementedUnaryReactor).
bool IsGrpcsOwnAnswer(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::UNIMPLEMENTED;
}

// Notes at POST_RECV_MESSAGE that the request did not deserialize (gRPC then
// hands interceptors no message), and swaps the status at PRE_SEND_STATUS.
class MalformedRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  MalformedRequestInterceptor(const std::function<grpc::Status(const std::string&)>* status_for,
                              std::string method)
      : status_for_(status_for), method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      malformed_ = true;
    }
    if (malformed_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        IsGrpcsOwnAnswer(methods->GetSendStatus().error_code())) {
      methods->ModifySendStatus((*status_for_)(method_));
    }
    methods->Proceed();
  }

 private:
  const std::function<grpc::Status(const std::string&)>* status_for_;
  const std::string method_;
  bool malformed_ = false;
};

class MalformedRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MalformedRequestInterceptorFactory(
      std::function<grpc::Status(const std::string&)> status_for)
      : status_for_(std::move(status_for)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // gRPC's interface: it owns, and deletes, the interceptor returned.
    return new MalformedRequestInterceptor(&status_for_, info->method());
  }

 private:
  const std::function<grpc::Status(const std::string&)> status_for_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeMalformedRequestInterceptorFactory(
    std::function<grpc::Status(const std::string& method)> status_for) {
  return std::make_unique<MalformedRequestInterceptorFactory>(std::move(status_for));
}

}  // namespace dbs::serving
