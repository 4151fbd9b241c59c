#include "client/internal/db_server_stub.h"

#include <utility>

#include "client/internal/grpc_status.h"
#include "instance/v1/db_servers.grpc.pb.h"

namespace dbs::client::internal {
namespace {

// Starts one unary call with the generated callback API. `start` is the generated
// async method; request, response and context live in `call` until it completes.
template <typename Request, typename Response, typename Start>
void StartCall(std::shared_ptr<grpc::ClientContext> context, const Request& request,
               ResultCallback<Response> done, Start start) {
  struct Call {
    std::shared_ptr<grpc::ClientContext> context;
    Request request;
    Response response;
    ResultCallback<Response> done;
  };
  auto call =
      std::make_shared<Call>(Call{std::move(context), request, Response(), std::move(done)});
  start(call->context.get(), &call->request, &call->response, [call](grpc::Status status) {
    absl::Status converted = FromGrpcStatus(status);
    if (converted.ok()) {
      call->done(std::move(call->response));
    } else {
      call->done(std::move(converted));
    }
  });
}

class DefaultDbServerStub : public DbServerStub {
 public:
  explicit DefaultDbServerStub(std::shared_ptr<grpc::Channel> channel)
      : stub_(instance::v1::DbServerService::NewStub(std::move(channel))) {}

  DBS_FOR_EACH_DB_SERVER_RPC(DBS_DECLARE_STUB_OVERRIDE)

 private:
  std::unique_ptr<instance::v1::DbServerService::Stub> stub_;
};

#define DBS_DEFINE_DEFAULT_STUB(Name)                                                          \
  void DefaultDbServerStub::Name(std::shared_ptr<grpc::ClientContext> context,                 \
                                 const instance::v1::Name##Request& request,                   \
                                 ResultCallback<instance::v1::Name##Response> done) {          \
    StartCall(std::move(context), request, std::move(done),                                    \
              [this](grpc::ClientContext* c, const instance::v1::Name##Request* rq,            \
                     instance::v1::Name##Response* rs, std::function<void(grpc::Status)> cb) { \
                stub_->async()->Name(c, rq, rs, std::move(cb));                                \
              });                                                                              \
  }
DBS_FOR_EACH_DB_SERVER_RPC(DBS_DEFINE_DEFAULT_STUB)
#undef DBS_DEFINE_DEFAULT_STUB

}  // namespace

std::shared_ptr<DbServerStub> MakeDefaultDbServerStub(std::shared_ptr<grpc::Channel> channel) {
  return std::make_shared<DefaultDbServerStub>(std::move(channel));
}

}  // namespace dbs::client::internal
