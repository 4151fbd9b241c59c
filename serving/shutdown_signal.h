#ifndef SERVING_SHUTDOWN_SIGNAL_H_
#define SERVING_SHUTDOWN_SIGNAL_H_

namespace dbs::serving {

// Blocks SIGTERM and SIGINT in the calling thread so that every thread started
// afterwards inherits the mask and the signals stay pending until
// WaitForShutdownSignal() collects them. Call it first thing in main(), before any
// thread (gRPC's included) exists.
void BlockShutdownSignals();

// Waits until SIGTERM or SIGINT arrives and returns its number. Requires
// BlockShutdownSignals() to have run first.
int WaitForShutdownSignal();

}  // namespace dbs::serving

#endif  // SERVING_SHUTDOWN_SIGNAL_H_
