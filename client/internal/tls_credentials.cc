#include "client/internal/tls_credentials.h"

#include <algorithm>
#include <cstdint>

#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace dbs::client::internal {
namespace {

bool UsesFiles(const TlsOptions& tls) {
  return !tls.root_certificates_file.empty() || !tls.client_certificate_chain_file.empty() ||
         !tls.client_private_key_file.empty();
}

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> TlsChannelCredentials(const TlsOptions& tls) {
  if (!UsesFiles(tls)) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = tls.root_certificates_pem;
    ssl.pem_cert_chain = tls.client_certificate_chain_pem;
    ssl.pem_private_key = tls.client_private_key_pem;
    return grpc::SslCredentials(ssl);
  }
  const auto refresh =
      static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(tls.file_refresh)));
  auto files = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.client_private_key_file, tls.client_certificate_chain_file, tls.root_certificates_file,
      refresh);
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(files);
  // Without a root file, gRPC verifies the server against its default roots.
  if (!tls.root_certificates_file.empty()) options.watch_root_certs();
  if (!tls.client_certificate_chain_file.empty()) options.watch_identity_key_cert_pairs();
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace dbs::client::internal
