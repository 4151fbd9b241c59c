// The one Catch2 main shared by every test executable.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "glog/logging.h"

#include <cstdlib>

int main(int argc, char* argv[]) {
  // An idle gRPC client channel has no poller of its own; only the backup poller
  // (every 5 s by default) reads a server's GOAWAY, so every graceful server
  // shutdown in a test would wait 5 s for the test's idle channels. Must be set
  // before gRPC initialises.
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "100", /*overwrite=*/0);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  return Catch::Session().run(argc, argv);
}
