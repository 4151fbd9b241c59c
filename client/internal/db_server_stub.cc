#include "client/internal/db_server_stub.h"

#include <memory>
#include <thread>
#include <utility>

#include "absl/base/config.h"
#include "errors/grpc_status.h"
#include "grpcpp/completion_queue.h"
#include "instance/v1/db_servers.grpc.pb.h"

#ifdef ABSL_HAVE_THREAD_SANITIZER
#include <sanitizer/tsan_interface.h>
#endif

namespace dbs::client::internal {
namespace {

// A tag passes from the thread that starts a call to the queue's thread inside
// libgrpc, which Debian does not build with ThreadSanitizer; these tell a TSan
// build about that hand-over. No-ops otherwise.
void HandOver(void* tag) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
  __tsan_release(tag);
#else
  (void)tag;
#endif
}
void TakeOver(void* tag) {
#ifdef ABSL_HAVE_THREAD_SANITIZER
  __tsan_acquire(tag);
#else
  (void)tag;
#endif
}

// One pending unary call on the completion queue: its tag, context and result.
// Deletes itself after delivering the result.
class CompletionTag {
 public:
  virtual ~CompletionTag() = default;
  virtual void Complete() = 0;
};

template <typename Response>
class UnaryCall : public CompletionTag {
 public:
  UnaryCall(std::shared_ptr<grpc::ClientContext> context, ResultCallback<Response> done)
      : context_(std::move(context)), done_(std::move(done)) {}

  // `prepare(context, cq)` is the generated PrepareAsync method.
  template <typename Prepare>
  void Start(grpc::CompletionQueue* cq, Prepare prepare) {
    reader_ = prepare(context_.get(), cq);
    reader_->StartCall();
    HandOver(this);
    reader_->Finish(&response_, &status_, this);
  }

  void Complete() override {
    std::unique_ptr<UnaryCall> self(this);
    absl::Status converted = errors::FromGrpcStatus(status_);
    if (converted.ok()) {
      done_(std::move(response_));
    } else {
      done_(std::move(converted));
    }
  }

 private:
  std::shared_ptr<grpc::ClientContext> context_;
  ResultCallback<Response> done_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader_;
  Response response_;
  grpc::Status status_;
};

// A completion queue and the one thread that drains it, delivering results.
// The client's own queue rather than gRPC's callback API: gRPC 1.51 shares one
// process-wide callback queue between channels and tears it down racily when
// the last channel goes (grpc/grpc#32584), which aborts processes (tests,
// tools) that create and drop clients repeatedly.
class CompletionQueueRunner {
 public:
  CompletionQueueRunner() : cq_(std::make_shared<grpc::CompletionQueue>()) {
    thread_ = std::thread([cq = cq_] {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) {
        TakeOver(tag);
        static_cast<CompletionTag*>(tag)->Complete();
      }
    });
  }
  // Shuts the queue down and waits for the thread once it has drained.
  ~CompletionQueueRunner() {
    cq_->Shutdown();
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // destroyed from a result callback; the thread owns the queue
    } else {
      thread_.join();
    }
  }
  grpc::CompletionQueue* cq() const { return cq_.get(); }

 private:
  std::shared_ptr<grpc::CompletionQueue> cq_;
  std::thread thread_;
};

class DefaultDbServerStub : public DbServerStub {
 public:
  explicit DefaultDbServerStub(std::shared_ptr<grpc::Channel> channel)
      : stub_(instance::v1::DbServerService::NewStub(std::move(channel))) {}

  DBS_FOR_EACH_DB_SERVER_RPC(DBS_DECLARE_STUB_OVERRIDE)

 private:
  // Declared first, destroyed last: the channel goes before the queue drains.
  CompletionQueueRunner runner_;
  std::unique_ptr<instance::v1::DbServerService::Stub> stub_;
};

#define DBS_DEFINE_DEFAULT_STUB(Name)                                                              \
  void DefaultDbServerStub::Name(std::shared_ptr<grpc::ClientContext> context,                     \
                                 const instance::v1::Name##Request& request,                       \
                                 ResultCallback<instance::v1::Name##Response> done) {              \
    auto* call = new UnaryCall<instance::v1::Name##Response>(std::move(context), std::move(done)); \
    call->Start(runner_.cq(), [&](grpc::ClientContext* c, grpc::CompletionQueue* cq) {             \
      return stub_->PrepareAsync##Name(c, request, cq);                                            \
    });                                                                                            \
  }
DBS_FOR_EACH_DB_SERVER_RPC(DBS_DEFINE_DEFAULT_STUB)
#undef DBS_DEFINE_DEFAULT_STUB

}  // namespace

std::shared_ptr<DbServerStub> MakeDefaultDbServerStub(std::shared_ptr<grpc::Channel> channel) {
  return std::make_shared<DefaultDbServerStub>(std::move(channel));
}

}  // namespace dbs::client::internal
