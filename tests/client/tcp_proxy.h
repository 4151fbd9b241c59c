#ifndef TESTS_CLIENT_TCP_PROXY_H_
#define TESTS_CLIENT_TCP_PROXY_H_

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dbs::client {

// A loopback TCP proxy for fault injection: forwards every connection on port()
// to 127.0.0.1:`upstream_port`, byte for byte, until told to lose an answer.
// Partition() black-holes it until Heal().
// DropResponseContaining(marker) arms it once: the first server-to-client chunk
// that contains `marker` is discarded and that connection is closed on both
// sides, so the server has done (and committed) the work but the client only
// sees its connection die. Thread-safe; the destructor stops every thread.
class TcpProxy {
 public:
  explicit TcpProxy(int upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void DropResponseContaining(std::string marker);
  // A network partition: while set, nothing is forwarded either way and no new
  // connection is accepted, yet nothing is closed or reset (bytes wait in the kernel,
  // as TCP holds them across a real partition). Heal() resumes, losslessly.
  void Partition() { partitioned_ = true; }
  void Heal() { partitioned_ = false; }
  // How many responses were dropped, and connections accepted, so far.
  int dropped() const { return dropped_; }
  int connections() const { return connections_; }

 private:
  void AcceptLoop();
  void Pump(int client_fd, int server_fd);
  // Whether `data` is the armed response; disarms when it is.
  bool ShouldDrop(const std::string& data);

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> partitioned_{false};
  std::atomic<int> dropped_{0};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::string marker_;                // armed when non-empty; guarded by mu_
  std::vector<std::thread> threads_;  // guarded by mu_
  std::thread acceptor_;
};

}  // namespace dbs::client

#endif  // TESTS_CLIENT_TCP_PROXY_H_
