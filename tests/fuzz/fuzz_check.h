#ifndef TESTS_FUZZ_FUZZ_CHECK_H_
#define TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "errors/error_status.h"
#include "google/rpc/status.pb.h"
#include "instance_service/rules/request_validation.h"
#include "instance_service/service/grpc_status.h"

// Checks every fuzz harness makes on what a caller would receive. A broken
// property aborts, which libFuzzer reports as a crash and saves the input.

#define DBS_FUZZ_ASSERT(condition)                                                          \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace dbs::fuzz {

// Bad input must be INVALID_ARGUMENT with one of the expected reasons, and the
// gRPC status made of it must reach a client whole: within the metadata
// budget, valid UTF-8, with details that parse and agree with it. INTERNAL is
// for bugs and never the answer to input.
inline void CheckInputError(const absl::Status& status) {
  DBS_FUZZ_ASSERT(!status.ok());
  DBS_FUZZ_ASSERT(status.code() == absl::StatusCode::kInvalidArgument);
  DBS_FUZZ_ASSERT(!dbs::errors::ReasonNameOf(status).empty());
  const grpc::Status sent = dbs::instance::ToGrpcStatus(status);
  DBS_FUZZ_ASSERT(sent.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  DBS_FUZZ_ASSERT(dbs::instance::ErrorMetadataBytes(sent) <= dbs::instance::kMaxErrorMetadataBytes);
  size_t code_points = 0;
  bool control = false;
  DBS_FUZZ_ASSERT(dbs::instance::ScanUtf8(sent.error_message(), &code_points, &control));
  google::rpc::Status details;
  DBS_FUZZ_ASSERT(details.ParseFromString(sent.error_details()));
  DBS_FUZZ_ASSERT(details.message() == sent.error_message());
}

}  // namespace dbs::fuzz

#endif  // TESTS_FUZZ_FUZZ_CHECK_H_
