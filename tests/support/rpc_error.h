#ifndef TESTS_SUPPORT_RPC_ERROR_H_
#define TESTS_SUPPORT_RPC_ERROR_H_

#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/status.h"

namespace dbs::testing {

// The google.rpc.ErrorInfo in a gRPC error's binary details; empty when absent.
google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status);

// Whether a gRPC error's binary details hold a google.rpc.RetryInfo.
bool HasRetryInfo(const grpc::Status& status);

// "OK", or "<CODE> <ErrorInfo reason>" (e.g. "UNAVAILABLE SERVER_OVERLOADED"), with
// the code's canonical name: one word per outcome, to count answers by.
std::string OutcomeOf(const grpc::Status& status);

// The `field` of every google.rpc.BadRequest violation in a gRPC error's details.
std::vector<std::string> ViolationFieldsOf(const grpc::Status& status);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_RPC_ERROR_H_
