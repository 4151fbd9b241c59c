#ifndef TESTS_SUPPORT_FREE_PORT_H_
#define TESTS_SUPPORT_FREE_PORT_H_

namespace dbs::testing {

// A TCP port on 127.0.0.1 that was free a moment ago, for a child process to
// listen on. It is drawn at random from below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range), never from it: a port the kernel handed out
// for port 0 and got back goes straight back into the pool that every
// `--metrics_listen=127.0.0.1:0` and every outgoing connection draws from, and a
// CI run lost a test to exactly that (the child's metrics listener took the port
// picked for its gRPC listener). One test process never gets the same port twice.
// Another process may still take it before the caller binds it; tests that start
// a child on it wait for the child's health check, which fails fast if it did.
int PickFreeLoopbackPort();

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_FREE_PORT_H_
