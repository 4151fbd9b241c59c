#include "tests/client/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace dbs::client {
namespace {

constexpr int kPollMs = 50;

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error(std::string("proxy cannot listen: ") + std::strerror(errno));
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  acceptor_.join();
  close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) thread.join();
}

void TcpProxy::DropResponseContaining(std::string marker) {
  std::lock_guard<std::mutex> lock(mu_);
  marker_ = std::move(marker);
}

bool TcpProxy::ShouldDrop(const std::string& data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (marker_.empty() || data.find(marker_) == std::string::npos) return false;
  marker_.clear();
  return true;
}

void TcpProxy::AcceptLoop() {
  while (!stopping_) {
    if (partitioned_) {
      poll(nullptr, 0, kPollMs);
      continue;
    }
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (poll(&waiting, 1, kPollMs) <= 0) continue;
    const int client_fd = accept(listen_fd_, nullptr, nullptr);
    if (client_fd < 0) continue;
    const int server_fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in upstream = Loopback(upstream_port_);
    if (connect(server_fd, reinterpret_cast<sockaddr*>(&upstream), sizeof(upstream)) != 0) {
      close(server_fd);
      close(client_fd);
      continue;
    }
    ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([this, client_fd, server_fd] { Pump(client_fd, server_fd); });
  }
}

void TcpProxy::Pump(int client_fd, int server_fd) {
  char buffer[64 * 1024];
  bool open = true;
  while (open && !stopping_) {
    if (partitioned_) {
      poll(nullptr, 0, kPollMs);
      continue;
    }
    pollfd fds[2] = {{client_fd, POLLIN, 0}, {server_fd, POLLIN, 0}};
    if (poll(fds, 2, kPollMs) <= 0) continue;
    for (int i = 0; i < 2 && open; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = recv(fds[i].fd, buffer, sizeof(buffer), 0);
      if (got <= 0) {
        open = false;
        break;
      }
      const bool from_server = i == 1;
      if (from_server && ShouldDrop(std::string(buffer, static_cast<size_t>(got)))) {
        ++dropped_;
        open = false;
        break;
      }
      open = SendAll(from_server ? client_fd : server_fd, buffer, static_cast<size_t>(got));
    }
  }
  close(client_fd);
  close(server_fd);
}

}  // namespace dbs::client
