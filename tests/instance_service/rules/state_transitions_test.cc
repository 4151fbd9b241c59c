#include "instance_service/rules/state_transitions.h"

#include <catch2/catch.hpp>

#include <set>
#include <utility>

#include "errors/error_status.h"

namespace dbs::instance {
namespace {

using errors::FieldViolation;
using errors::MetadataOf;
using errors::ReasonNameOf;
using errors::ReasonOf;
using errors::ViolationsOf;

constexpr DbServerState kStates[] = {DbServerState::kProvisioning, DbServerState::kActive,
                                     DbServerState::kDraining, DbServerState::kMaintenance,
                                     DbServerState::kFailed};

TEST_CASE("Exactly the transitions in the DbServer.State table are allowed") {
  using S = DbServerState;
  const std::set<std::pair<S, S>> allowed = {
      {S::kProvisioning, S::kActive},  {S::kProvisioning, S::kFailed},
      {S::kActive, S::kDraining},      {S::kActive, S::kMaintenance},
      {S::kActive, S::kFailed},        {S::kDraining, S::kActive},
      {S::kDraining, S::kMaintenance}, {S::kDraining, S::kFailed},
      {S::kMaintenance, S::kActive},   {S::kMaintenance, S::kDraining},
      {S::kMaintenance, S::kFailed},   {S::kFailed, S::kProvisioning},
  };
  for (DbServerState from : kStates) {
    for (DbServerState to : kStates) {
      if (from == to) continue;
      const bool expected = allowed.count({from, to}) == 1;
      INFO(static_cast<int>(from) << " -> " << static_cast<int>(to));
      CHECK(IsStateTransitionAllowed(from, to) == expected);
      CHECK(CheckStateTransition(from, to).ok() == expected);
    }
  }
}

TEST_CASE("Setting the current state again is allowed") {
  for (DbServerState state : kStates) CHECK(CheckStateTransition(state, state).ok());
}

TEST_CASE("A disallowed transition is FAILED_PRECONDITION naming both states") {
  absl::Status status = CheckStateTransition(DbServerState::kFailed, DbServerState::kActive);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(status) == ::instance::v1::INVALID_STATE_TRANSITION);
  CHECK(status.message() ==
        "cannot change state from STATE_FAILED to STATE_ACTIVE; STATE_FAILED may change only to "
        "STATE_PROVISIONING");
}

TEST_CASE("A disallowed transition carries from and to as ErrorInfo metadata") {
  // What reaches the wire (the gRPC edge's encoding is tested in grpc_status_test).
  const absl::Status status =
      CheckStateTransition(DbServerState::kActive, DbServerState::kProvisioning);
  CHECK(ReasonNameOf(status) == "INVALID_STATE_TRANSITION");
  const errors::ErrorMetadata metadata = MetadataOf(status);
  CHECK(metadata.at("from") == "STATE_ACTIVE");
  CHECK(metadata.at("to") == "STATE_PROVISIONING");
}

}  // namespace
}  // namespace dbs::instance
