#ifndef TESTS_SUPPORT_CALL_BURST_H_
#define TESTS_SUPPORT_CALL_BURST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace dbs::testing {

// One unary call of a burst: the method's full path ("/instance.v1.DbServerService/
// GetDbServer") and its request.
struct BurstCall {
  std::string method;
  std::shared_ptr<const google::protobuf::Message> request;
};

// A burst of concurrent callers, as load balancers deliver them: every call of
// `calls` is started at once on `channel` (gRPC's generic async stub, one completion
// queue), all in flight together, each with `deadline` from now. Returns when all
// have finished: each call's status, in the order of `calls`.
class CallBurst {
 public:
  CallBurst(std::shared_ptr<grpc::Channel> channel, std::vector<BurstCall> calls,
            absl::Duration deadline);
  ~CallBurst();
  CallBurst(const CallBurst&) = delete;
  CallBurst& operator=(const CallBurst&) = delete;

  // Waits for every call to finish and returns their statuses.
  std::vector<grpc::Status> Wait();

 private:
  struct Pending;
  std::shared_ptr<grpc::Channel> channel_;
  std::vector<std::unique_ptr<Pending>> pending_;
  std::unique_ptr<class grpc::CompletionQueue> queue_;
  bool waited_ = false;
};

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_CALL_BURST_H_
