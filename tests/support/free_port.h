#ifndef TESTS_SUPPORT_FREE_PORT_H_
#define TESTS_SUPPORT_FREE_PORT_H_

namespace dbs::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port
// 0). Another process may take it before the caller binds it; tests that start a
// child on it wait for the child's health check, which fails fast if it did.
int PickFreeLoopbackPort();

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_FREE_PORT_H_
