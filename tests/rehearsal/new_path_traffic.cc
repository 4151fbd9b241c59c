#include "tests/rehearsal/new_path_traffic.h"

#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/instance_service_client.h"
#include "client/internal/request_id.h"
#include "database/v1/database_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/rehearsal/steady_rate.h"

namespace dbs::rehearsal {
namespace {

// CreateDatabase calls at a steady rate; returns the number that failed.
int64_t CreateDatabases(const NewPathOptions& options, EventLog* log,
                        const std::atomic<bool>& stop) {
  auto stub = database::v1::DatabaseService::NewStub(
      grpc::CreateChannel(options.database_service_target, grpc::InsecureChannelCredentials()));
  int64_t failures = 0;
  RunAtSteadyRate(options.create_per_second, options.max_operations, stop, [&](int64_t n) {
    database::v1::CreateDatabaseRequest request;
    request.set_database_name(absl::StrCat(options.name_prefix, "_", getpid(), "_", n));
    request.set_server_type("postgres");
    request.set_request_id(dbs::client::internal::NewRequestId());
    database::v1::CreateDatabaseResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
    const absl::Time start = absl::Now();
    log->Record("begin", true, start, "database " + request.database_name());
    const grpc::Status status = stub->CreateDatabase(&context, request, &response);
    if (!status.ok()) ++failures;
    log->Record("allocate", status.ok(), start,
                status.ok()
                    ? absl::StrCat("database ", response.database_name(), " on ",
                                   response.pool().display_name())
                    : absl::StrCat("database ", request.database_name(),
                                   " code=", status.error_code(), " ", status.error_message()));
  });
  return failures;
}

// AllocateDbServer calls at a steady rate from one worker; returns the failures.
int64_t AllocateSlots(const NewPathOptions& options, double per_second, EventLog* log,
                      const std::atomic<bool>& stop) {
  dbs::client::ClientOptions client_options;
  client_options.target = options.instance_service_target;
  client_options.default_timeout = options.deadline;
  const auto client = dbs::client::MakeInstanceServiceClient(client_options);
  int64_t failures = 0;
  RunAtSteadyRate(per_second, options.max_operations, stop, [&](int64_t) {
    const absl::Time start = absl::Now();
    log->Record("begin", true, start, "slot");
    auto pool = client.AllocateDbServer("postgres");
    if (!pool.ok()) ++failures;
    log->Record("allocate", pool.ok(), start,
                pool.ok() ? absl::StrCat("slot on ", pool->display_name())
                          : absl::StrCat("slot ", pool.status().ToString()));
  });
  return failures;
}

}  // namespace

int64_t RunNewPathTraffic(const NewPathOptions& options, EventLog* log,
                          const std::atomic<bool>& stop) {
  std::atomic<int64_t> failures{0};
  std::vector<std::thread> threads;
  if (!options.database_service_target.empty()) {
    threads.emplace_back([&] { failures += CreateDatabases(options, log, stop); });
  }
  if (!options.instance_service_target.empty()) {
    const int workers = std::max(options.allocate_workers, 1);
    for (int worker = 0; worker < workers; ++worker) {
      threads.emplace_back([&, worker] {
        // Staggered, so the workers' calls interleave evenly.
        absl::SleepFor(absl::Seconds(worker / options.allocate_per_second));
        failures += AllocateSlots(options, options.allocate_per_second / workers, log, stop);
      });
    }
  }
  for (std::thread& thread : threads) thread.join();
  return failures.load();
}

}  // namespace dbs::rehearsal
