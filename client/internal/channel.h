#ifndef CLIENT_INTERNAL_CHANNEL_H_
#define CLIENT_INTERNAL_CHANNEL_H_

#include <memory>

#include "client/client_options.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace dbs::client::internal {

// The channel arguments of every client channel:
//  - gRPC's built-in retries off, and service configs from the resolver ignored,
//    so the client's retry loop is the only retry layer;
//  - for `dns:///` targets, a default service config with round_robin (load
//    balancing only, no retry policy), so calls spread over every replica;
//  - keepalive matching serving/keepalive_policy.h (the server permits exactly
//    these pings), also without calls in flight;
//  - a capped reconnect backoff, so a restarted replica is used again within
//    seconds;
//  - the user agent.
grpc::ChannelArguments ChannelArgumentsFor(const ClientOptions& options);

// A channel to options.target with TLS/mTLS or plaintext credentials.
std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options);

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_CHANNEL_H_
