#include "tests/support/call_burst.h"

#include <utility>

#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace dbs::testing {

struct CallBurst::Pending {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
};

CallBurst::CallBurst(std::shared_ptr<grpc::Channel> channel, std::vector<BurstCall> calls,
                     absl::Duration deadline)
    : channel_(std::move(channel)), queue_(std::make_unique<grpc::CompletionQueue>()) {
  grpc::GenericStub stub(channel_);
  const auto until = absl::ToChronoTime(absl::Now() + deadline);
  for (const BurstCall& call : calls) {
    auto pending = std::make_unique<Pending>();
    pending->context.set_deadline(until);
    grpc::Slice slice(call.request->SerializeAsString());
    grpc::ByteBuffer request(&slice, 1);
    pending->reader = stub.PrepareUnaryCall(&pending->context, call.method, request, queue_.get());
    pending->reader->StartCall();
    pending->reader->Finish(&pending->response, &pending->status, pending.get());
    pending_.push_back(std::move(pending));
  }
}

CallBurst::~CallBurst() {
  if (!waited_) Wait();
  queue_->Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue_->Next(&tag, &ok)) {
  }
}

std::vector<grpc::Status> CallBurst::Wait() {
  if (!waited_) {
    for (size_t done = 0; done < pending_.size(); ++done) {
      void* tag = nullptr;
      bool ok = false;
      if (!queue_->Next(&tag, &ok)) break;
    }
    waited_ = true;
  }
  std::vector<grpc::Status> statuses;
  for (const auto& pending : pending_) statuses.push_back(pending->status);
  return statuses;
}

}  // namespace dbs::testing
