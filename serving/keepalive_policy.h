#ifndef SERVING_KEEPALIVE_POLICY_H_
#define SERVING_KEEPALIVE_POLICY_H_

namespace dbs::serving {

// One keepalive policy for both ends of every channel in this repository. Servers
// must permit at least as frequent pings as clients send, or gRPC answers the
// client with GOAWAY "too_many_pings"; keeping both numbers here keeps them equal.
//
// Clients ping an idle connection every kKeepaliveTimeMs and drop it when no ack
// arrives within kKeepaliveTimeoutMs, so a dead replica behind a headless Service
// is noticed in well under a minute instead of on the next call's deadline.
inline constexpr int kKeepaliveTimeMs = 30'000;
inline constexpr int kKeepaliveTimeoutMs = 10'000;
// Servers accept pings this often, with or without calls in flight.
inline constexpr int kMinPingIntervalMs = 10'000;

}  // namespace dbs::serving

#endif  // SERVING_KEEPALIVE_POLICY_H_
