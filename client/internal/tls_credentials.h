#ifndef CLIENT_INTERNAL_TLS_CREDENTIALS_H_
#define CLIENT_INTERNAL_TLS_CREDENTIALS_H_

#include <memory>

#include "client/client_options.h"
#include "grpcpp/security/credentials.h"

namespace dbs::client::internal {

// Channel credentials for `tls` (tls.enabled must be true): gRPC's TLS credentials
// over a file watcher when any file is set, else SSL credentials from the PEM
// strings. The server's certificate is always verified, and its name checked
// against the target (or tls.server_name_override, which the caller puts in the
// channel arguments).
std::shared_ptr<grpc::ChannelCredentials> TlsChannelCredentials(const TlsOptions& tls);

}  // namespace dbs::client::internal

#endif  // CLIENT_INTERNAL_TLS_CREDENTIALS_H_
