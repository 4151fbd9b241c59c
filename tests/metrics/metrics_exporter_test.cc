// MetricsExporter: the registry served over HTTP on a real loopback socket.
#include "metrics/metrics_exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"

namespace {

using dbs::metrics::MetricsExporter;

// GET `path` from 127.0.0.1:`port` over HTTP/1.0 (the server closes the
// connection after the answer); the whole response, headers included.
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: test\r\n\r\n");
  REQUIRE(write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
  close(fd);
  return response;
}

TEST_CASE("An empty listen address records metrics without serving them") {
  auto exporter = MetricsExporter::Start("");
  REQUIRE(exporter.ok());
  CHECK_FALSE((*exporter)->serving());
  CHECK((*exporter)->port() == 0);
  CHECK((*exporter)->url().empty());
  CHECK_THAT((*exporter)->Describe(), Catch::Contains("not served"));
  prometheus::BuildCounter()
      .Name("probe_total")
      .Help("h")
      .Register((*exporter)->registry())
      .Add({});
  CHECK_THAT((*exporter)->Scrape(), Catch::Contains("probe_total 0"));
}

TEST_CASE("Port 0 binds a free port, reports it and serves the registry at /metrics") {
  auto exporter = MetricsExporter::Start("127.0.0.1:0");
  REQUIRE(exporter.ok());
  REQUIRE((*exporter)->serving());
  const int port = (*exporter)->port();
  REQUIRE(port > 0);
  CHECK((*exporter)->url() == absl::StrCat("http://127.0.0.1:", port, "/metrics"));
  CHECK_THAT((*exporter)->Describe(), Catch::Contains((*exporter)->url()));

  prometheus::BuildCounter()
      .Name("dbs_test_calls_total")
      .Help("Calls in this test.")
      .Register((*exporter)->registry())
      .Add({{"kind", "a"}})
      .Increment(3);
  const std::string response = HttpGet(port, "/metrics");
  CHECK_THAT(response, Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(response, Catch::Contains("# TYPE dbs_test_calls_total counter"));
  CHECK_THAT(response, Catch::Contains("dbs_test_calls_total{kind=\"a\"} 3"));
}

TEST_CASE("A port that is taken is refused with UNAVAILABLE naming the address") {
  auto first = MetricsExporter::Start("127.0.0.1:0");
  REQUIRE(first.ok());
  const std::string taken = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = MetricsExporter::Start(taken);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == absl::StatusCode::kUnavailable);
  CHECK_THAT(std::string(second.status().message()), Catch::Contains(taken));
}

TEST_CASE("A malformed listen address is INVALID_ARGUMENT stating the rule") {
  for (const char* address : {"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", ":9464",
                              "127.0.0.1:70000", "[::1:9464", "127.0.0.1:-1"}) {
    CAPTURE(address);
    auto exporter = MetricsExporter::Start(address);
    REQUIRE_FALSE(exporter.ok());
    CHECK(exporter.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(exporter.status().message()), Catch::Contains("host:port"));
  }
}

}  // namespace
