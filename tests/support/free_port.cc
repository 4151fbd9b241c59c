#include "tests/support/free_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <random>
#include <set>

namespace dbs::testing {
namespace {

// Ports below this are left alone: well-known and registered services
// (PostgreSQL's 5432, Prometheus's 9090, the services' own defaults).
constexpr int kLowestPort = 10000;

// The first port of the kernel's ephemeral range; 32768 when it cannot be read.
int EphemeralRangeStart() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  int high = 0;
  if (range >> low >> high && low > kLowestPort) return low;
  return 32768;
}

// Binds 127.0.0.1:`port` (0: the kernel picks) and returns the bound port, or 0.
int TryBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t length = sizeof(address);
  int bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    bound = ntohs(address.sin_port);
  }
  close(fd);
  return bound;
}

}  // namespace

int PickFreeLoopbackPort() {
  static std::mutex mutex;
  static std::set<int> handed_out;
  static std::mt19937 random{std::random_device{}()};
  const std::lock_guard<std::mutex> lock(mutex);
  std::uniform_int_distribution<int> candidates(kLowestPort, EphemeralRangeStart() - 1);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = candidates(random);
    if (handed_out.count(port) == 0 && TryBind(port) == port) {
      handed_out.insert(port);
      return port;
    }
  }
  return TryBind(0);  // a crowded range: the kernel's pick, as before
}

}  // namespace dbs::testing
