#include "tests/bench/report.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace dbs::bench {
namespace {

std::string Rate(double per_second) {
  if (per_second >= 10'000) return absl::StrFormat("%.1fk", per_second / 1000);
  if (per_second >= 1'000) return absl::StrFormat("%.2fk", per_second / 1000);
  return absl::StrFormat("%.0f", per_second);
}

std::string Errors(const RunResult& run) {
  std::vector<std::string> parts;
  for (const auto& [key, count] : run.errors) parts.push_back(absl::StrCat(count, " ", key));
  return parts.empty() ? "0" : absl::StrJoin(parts, "; ");
}

double Ratio(const Pair& pair) {
  const double sql = pair.sql.ops_per_second();
  return sql > 0 ? pair.api.ops_per_second() / sql : 0;
}

}  // namespace

std::string TableHeader() {
  return "| workload | pools | callers | API ops/s | SQL ops/s | API/SQL | API p50/p90/p99/max µs "
         "| SQL p50/p90/p99/max µs | API errors | SQL errors | server RSS MiB idle/peak |\n"
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |";
}

std::string TableRow(const Pair& pair) {
  const RunResult& api = pair.api;
  const RunResult& sql = pair.sql;
  return absl::StrFormat(
      "| %s | %d | %d | %s | %s | %.2f× | %d/%d/%d/%d | %d/%d/%d/%d | %s | %s | %.0f/%.0f |",
      WorkloadName(api.workload), api.table_pools, api.concurrency, Rate(api.ops_per_second()),
      Rate(sql.ops_per_second()), Ratio(pair), api.p50_us, api.p90_us, api.p99_us, api.max_us,
      sql.p50_us, sql.p90_us, sql.p99_us, sql.max_us, Errors(api), Errors(sql),
      api.server_rss_idle_kib / 1024.0, api.server_rss_peak_kib / 1024.0);
}

absl::Status WriteReport(const std::string& dir, const std::vector<Pair>& pairs,
                         const std::string& header_note) {
  std::ofstream json(dir + "/results.json");
  std::ofstream summary(dir + "/summary.md");
  std::ofstream chart(dir + "/chart.dat");
  if (!json || !summary || !chart) {
    return absl::UnavailableError(absl::StrCat("cannot write the report into ", dir));
  }
  std::vector<std::string> runs;
  for (const Pair& pair : pairs) {
    runs.push_back(pair.api.ToJson());
    runs.push_back(pair.sql.ToJson());
  }
  json << "[\n" << absl::StrJoin(runs, ",\n") << "\n]\n";

  summary << header_note << "\n\n" << TableHeader() << "\n";
  for (const Pair& pair : pairs) summary << TableRow(pair) << "\n";

  // One gnuplot data block per (workload, pools), separated by two blank lines:
  // callers, API ops/s, SQL ops/s, API p50 ms, SQL p50 ms.
  std::string block;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Pair& pair = pairs[i];
    const std::string name =
        absl::StrCat(WorkloadName(pair.api.workload), "@", pair.api.table_pools);
    if (name != block) {
      if (!block.empty()) chart << "\n\n";
      chart << "# " << name << "\n\"" << name << "\"\n";
      block = name;
    }
    chart << absl::StrFormat("%d %.1f %.1f %.3f %.3f\n", pair.api.concurrency,
                             pair.api.ops_per_second(), pair.sql.ops_per_second(),
                             pair.api.p50_us / 1000.0, pair.sql.p50_us / 1000.0);
  }
  return absl::OkStatus();
}

}  // namespace dbs::bench
