#ifndef TESTS_SUPPORT_SILENT_LISTENER_H_
#define TESTS_SUPPORT_SILENT_LISTENER_H_

namespace dbs::testing {

// A TCP listener on 127.0.0.1 that never accepts or answers: the kernel completes
// the handshake into its backlog (16 connections), so a client connects and then
// waits: a server that hangs. The port is the kernel's pick. The constructor
// fails the current Catch2 test (REQUIRE) when the socket cannot be bound; the
// socket is closed when the listener is destroyed. Not copyable.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_SILENT_LISTENER_H_
