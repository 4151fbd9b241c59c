// dbs-bench: instance-service's API against the direct SQL it replaces, on one
// machine, in one run. For each table size, workload and number of callers it runs
// the API driver and then the SQL driver back to back (API, SQL, API, SQL, ...), so
// machine drift hits both, prints a Markdown row per pair, and writes results.json,
// summary.md and chart.dat into --output_dir. tests/bench/run sets everything up.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/instance_service_connection.h"
#include "tests/bench/api_driver.h"
#include "tests/bench/bench_fixture.h"
#include "tests/bench/report.h"
#include "tests/bench/sql_driver.h"
#include "tests/support/process_memory.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "instance-service address");
ABSL_FLAG(std::string, conninfo, "", "libpq connection string of the instance database");
ABSL_FLAG(int, server_pid, 0, "instance-service's pid, for its RSS (0: not reported)");
ABSL_FLAG(std::vector<std::string>, workloads,
          std::vector<std::string>({"find", "get", "list", "increment", "allocate", "mixed"}),
          "workloads at the first table size");
ABSL_FLAG(std::vector<std::string>, large_workloads,
          std::vector<std::string>({"find", "get", "allocate"}),
          "workloads at the other table sizes");
ABSL_FLAG(std::vector<std::string>, concurrency,
          std::vector<std::string>({"1", "8", "32", "64", "512"}), "callers per run");
ABSL_FLAG(std::vector<std::string>, pools, std::vector<std::string>({"200", "100000"}),
          "table sizes (rows in db_servers)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "measured time per run");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "unmeasured time before each run");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10), "deadline of each API call");
ABSL_FLAG(int, sql_threads, 2, "threads of the SQL driver (pgbench -j)");
ABSL_FLAG(std::string, output_dir, ".", "where results.json, summary.md and chart.dat go");
ABSL_FLAG(std::string, note, "", "a line printed above the table (machine, commit)");
ABSL_FLAG(bool, fail_on_errors, false,
          "exit 1 when a run completed no call or any call failed (the smoke test)");

namespace {

using namespace dbs::bench;  // NOLINT: a small main
using dbs::testing::CurrentRssKib;
using dbs::testing::PeakRssKib;
using dbs::testing::ResetPeakRss;

std::vector<Workload> ParseWorkloads(const std::vector<std::string>& names) {
  std::vector<Workload> workloads;
  for (const std::string& name : names) {
    auto workload = ParseWorkload(name);
    if (!workload) {
      std::cerr << "unknown workload " << name << "\n";
      std::exit(2);
    }
    workloads.push_back(*workload);
  }
  return workloads;
}

std::vector<int64_t> ParseNumbers(const std::vector<std::string>& values) {
  std::vector<int64_t> numbers;
  for (const std::string& value : values) {
    int64_t number = 0;
    if (!absl::SimpleAtoi(value, &number) || number < 1) {
      std::cerr << "not a positive number: " << value << "\n";
      std::exit(2);
    }
    numbers.push_back(number);
  }
  return numbers;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as the services do
  const std::string conninfo = absl::GetFlag(FLAGS_conninfo);
  const int server_pid = absl::GetFlag(FLAGS_server_pid);

  dbs::client::ClientOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  ApiDriver api(dbs::client::MakeInstanceServiceConnection(options),
                absl::GetFlag(FLAGS_call_timeout));
  SqlDriver sql(conninfo, absl::GetFlag(FLAGS_sql_threads));

  const std::vector<int64_t> table_sizes = ParseNumbers(absl::GetFlag(FLAGS_pools));
  const std::vector<int64_t> callers = ParseNumbers(absl::GetFlag(FLAGS_concurrency));
  std::vector<Pair> pairs;
  std::cout << TableHeader() << std::endl;
  for (size_t size_index = 0; size_index < table_sizes.size(); ++size_index) {
    const int64_t size = table_sizes[size_index];
    if (absl::Status seeded = SeedPools(conninfo, size); !seeded.ok()) {
      std::cerr << seeded << "\n";
      return EXIT_FAILURE;
    }
    auto pools = LoadPools(conninfo);
    if (!pools.ok()) {
      std::cerr << pools.status() << "\n";
      return EXIT_FAILURE;
    }
    for (Workload workload :
         ParseWorkloads(size_index == 0 ? absl::GetFlag(FLAGS_workloads)
                                        : absl::GetFlag(FLAGS_large_workloads))) {
      for (int64_t concurrency : callers) {
        RunSpec spec;
        spec.workload = workload;
        spec.concurrency = static_cast<int>(concurrency);
        spec.warmup = absl::GetFlag(FLAGS_warmup);
        spec.duration = absl::GetFlag(FLAGS_duration);
        spec.table_pools = size;
        Pair pair;
        if (server_pid > 0) ResetPeakRss(server_pid);
        const int64_t idle = server_pid > 0 ? CurrentRssKib(server_pid) : 0;
        pair.api = api.Run(spec, *pools);
        pair.api.server_rss_idle_kib = idle;
        pair.api.server_rss_peak_kib = server_pid > 0 ? PeakRssKib(server_pid) : 0;
        auto sql_result = sql.Run(spec, *pools);
        if (!sql_result.ok()) {
          std::cerr << sql_result.status() << "\n";
          return EXIT_FAILURE;
        }
        pair.sql = *std::move(sql_result);
        // instance-service's pool, its readiness connection and this check may stay.
        if (absl::Status settled = WaitForBackendsToExit(conninfo, 24, absl::Seconds(60));
            !settled.ok()) {
          std::cerr << settled << "\n";
          return EXIT_FAILURE;
        }
        std::cout << TableRow(pair) << std::endl;
        pairs.push_back(std::move(pair));
      }
    }
  }
  if (absl::GetFlag(FLAGS_fail_on_errors)) {
    for (const Pair& pair : pairs) {
      for (const RunResult* run : {&pair.api, &pair.sql}) {
        if (run->ok == 0 || !run->errors.empty()) {
          std::cerr << "failed run: " << run->ToJson() << "\n";
          return EXIT_FAILURE;
        }
      }
    }
  }
  if (absl::Status written =
          WriteReport(absl::GetFlag(FLAGS_output_dir), pairs, absl::GetFlag(FLAGS_note));
      !written.ok()) {
    std::cerr << written << "\n";
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
