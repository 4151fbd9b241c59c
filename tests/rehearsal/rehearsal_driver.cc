// rehearsal-driver: the traffic and the client checks of
// deploy/local/rehearse-migration, the migration rehearsal.
//
//   rehearsal-driver old-writer   --conninfo=... --events=FILE [--rate=20] ...
//       the old database-service's SQL on the instance database (old_writer.h)
//   rehearsal-driver new-path     --target=DATABASE_SERVICE --instance_service_target=...
//                                 --events=FILE [--rate=0.3] [--allocate_rate=10] ...
//       CreateDatabase through the real database-service, and AllocateDbServer
//       through InstanceServiceClient (new_path_traffic.h)
//   rehearsal-driver client-check --target=HOST:PORT --pool_host=H --pool_port=P
//       InstanceServiceClient against the running instance-service (live_client_check.h)
//
// The traffic commands run until SIGTERM or SIGINT, then finish the operation in
// progress and exit 0 (drained), or stop after --max_operations and exit 1 if any
// attempt failed. A summary goes to stderr; every attempt goes to --events.
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "serving/shutdown_signal.h"
#include "tests/rehearsal/event_log.h"
#include "tests/rehearsal/live_client_check.h"
#include "tests/rehearsal/new_path_traffic.h"
#include "tests/rehearsal/old_writer.h"

ABSL_FLAG(std::string, conninfo, "",
          "old-writer: libpq connection string of the instance database");
ABSL_FLAG(std::string, target, "",
          "new-path: database-service's host:port; client-check: instance-service's");
ABSL_FLAG(std::string, instance_service_target, "",
          "new-path: instance-service's host:port, for AllocateDbServer through the client");
ABSL_FLAG(std::string, events, "", "old-writer, new-path: file that receives one line per attempt");
ABSL_FLAG(double, rate, 0, "old-writer, new-path: operations a second (0: the command's default)");
ABSL_FLAG(int64_t, max_operations, 0, "old-writer, new-path: stop after this many (0: on SIGTERM)");
ABSL_FLAG(double, allocate_rate, 0, "new-path: AllocateDbServer calls a second (0: default)");
ABSL_FLAG(int32_t, allocate_workers, 2, "new-path: AllocateDbServer calls in flight at most");
ABSL_FLAG(std::string, pool_host, "127.0.0.1", "where registered pools point");
ABSL_FLAG(int32_t, pool_port, 5432, "where registered pools point");
ABSL_FLAG(std::string, name_prefix, "", "prefix of tenant and pool names (default per command)");

namespace {

// Sets `stop` when SIGTERM or SIGINT arrives. The waiting thread is detached: a
// command that ends by itself (--max_operations) does not wait for a signal.
void StopOnSignal(std::atomic<bool>* stop) {
  std::thread([stop] {
    dbs::serving::WaitForShutdownSignal();
    stop->store(true);
  }).detach();
}

std::unique_ptr<dbs::rehearsal::EventLog> OpenEvents() {
  auto log = dbs::rehearsal::EventLog::Open(absl::GetFlag(FLAGS_events));
  if (!log.ok()) {
    std::cerr << log.status() << " (--events)\n";
    std::exit(2);
  }
  return *std::move(log);
}

int Finish(const char* command, int64_t failures, bool stopped) {
  std::cerr << command << ": " << (stopped ? "stopped (drained)" : "done") << ", " << failures
            << " failed attempt(s)\n";
  return stopped || failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

}  // namespace

int main(int argc, char** argv) {
  dbs::serving::BlockShutdownSignals();
  absl::SetProgramUsageMessage("rehearsal-driver old-writer|new-path|client-check [flags]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() == 2 ? args[1] : "";
  std::atomic<bool> stop{false};

  if (command == "old-writer") {
    dbs::rehearsal::OldWriterOptions options;
    options.conninfo = absl::GetFlag(FLAGS_conninfo);
    if (options.conninfo.empty()) {
      std::cerr << "old-writer: --conninfo is required\n";
      return 2;
    }
    if (absl::GetFlag(FLAGS_rate) > 0) options.per_second = absl::GetFlag(FLAGS_rate);
    options.max_operations = absl::GetFlag(FLAGS_max_operations);
    options.pool_host = absl::GetFlag(FLAGS_pool_host);
    options.pool_port = absl::GetFlag(FLAGS_pool_port);
    if (!absl::GetFlag(FLAGS_name_prefix).empty()) {
      options.name_prefix = absl::GetFlag(FLAGS_name_prefix);
    }
    auto log = OpenEvents();
    StopOnSignal(&stop);
    const int64_t failures = dbs::rehearsal::RunOldWriter(options, log.get(), stop);
    return Finish("old-writer", failures, stop.load());
  }
  if (command == "new-path") {
    dbs::rehearsal::NewPathOptions options;
    options.database_service_target = absl::GetFlag(FLAGS_target);
    options.instance_service_target = absl::GetFlag(FLAGS_instance_service_target);
    if (options.database_service_target.empty() && options.instance_service_target.empty()) {
      std::cerr << "new-path: --target or --instance_service_target is required\n";
      return 2;
    }
    if (absl::GetFlag(FLAGS_rate) > 0) options.create_per_second = absl::GetFlag(FLAGS_rate);
    if (absl::GetFlag(FLAGS_allocate_rate) > 0) {
      options.allocate_per_second = absl::GetFlag(FLAGS_allocate_rate);
    }
    options.allocate_workers = absl::GetFlag(FLAGS_allocate_workers);
    options.max_operations = absl::GetFlag(FLAGS_max_operations);
    if (!absl::GetFlag(FLAGS_name_prefix).empty()) {
      options.name_prefix = absl::GetFlag(FLAGS_name_prefix);
    }
    auto log = OpenEvents();
    StopOnSignal(&stop);
    const int64_t failures = dbs::rehearsal::RunNewPathTraffic(options, log.get(), stop);
    return Finish("new-path", failures, stop.load());
  }
  if (command == "client-check") {
    dbs::rehearsal::LiveClientCheckOptions options;
    options.target = absl::GetFlag(FLAGS_target);
    options.pool_host = absl::GetFlag(FLAGS_pool_host);
    options.pool_port = absl::GetFlag(FLAGS_pool_port);
    if (options.target.empty()) {
      std::cerr << "client-check: --target is required\n";
      return 2;
    }
    return dbs::rehearsal::RunLiveClientCheck(options) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  std::cerr << "usage: rehearsal-driver old-writer|new-path|client-check [flags] (--help)\n";
  return 2;
}
