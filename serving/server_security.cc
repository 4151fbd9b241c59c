#include "serving/server_security.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "serving/authorization/authorization_policy.h"
#include "serving/pem_file.h"

namespace dbs::serving {
namespace {

absl::Status CheckCombination(const ServerSecurityOptions& options) {
  const bool tls = !options.certificate_file.empty() || !options.private_key_file.empty();
  if (options.certificate_file.empty() != options.private_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert_file and --tls_key_file go together: set both for TLS, or neither");
  }
  if (!options.client_ca_file.empty() && !tls) {
    return absl::InvalidArgumentError(
        "--tls_client_ca_file needs --tls_cert_file and --tls_key_file: mutual TLS is TLS "
        "first");
  }
  if (tls && options.require_client_certificate && options.client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_require_client_cert needs --tls_client_ca_file to verify client certificates; "
        "for TLS without client certificates set --tls_require_client_cert=false");
  }
  if (!options.health_listen_address.empty() && options.authorization_policy_file.empty()) {
    return absl::InvalidArgumentError(
        "--health_listen needs --authz_policy_file: the plaintext listener serves every "
        "service, and only the policy keeps callers without a certificate to the health "
        "service");
  }
  if (options.authorization_refresh < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--authz_refresh_seconds must be at least 1");
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> TlsCredentials(const ServerSecurityOptions& options) {
  const auto refresh = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(options.certificate_refresh)));
  auto files = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      options.private_key_file, options.certificate_file, options.client_ca_file, refresh);
  grpc::experimental::TlsServerCredentialsOptions tls(files);
  tls.watch_identity_key_cert_pairs();
  if (options.client_ca_file.empty()) {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    tls.watch_root_certs();
    // Verified either way; only whether a missing certificate is refused differs.
    tls.set_cert_request_type(options.require_client_certificate
                                  ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                  : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(tls);
}

void LogDenial(const AuthorizationDenial& denial) {
  // gRPC 1.51 does not always give the authorization engine the peer's address.
  LOG(WARNING) << "authorization denied: method=" << denial.method << " principal="
               << (denial.principal.empty() ? "(no client certificate)" : denial.principal)
               << (denial.peer.empty() ? "" : " peer=" + denial.peer) << " rule="
               << (denial.deny_rule.empty() ? "(no allow rule matched)" : denial.deny_rule);
}

}  // namespace

absl::StatusOr<ServerSecurity> MakeServerSecurity(const ServerSecurityOptions& options) {
  if (absl::Status status = CheckCombination(options); !status.ok()) return status;
  ServerSecurity security;
  security.health_listen_address = options.health_listen_address;
  if (options.certificate_file.empty()) {
    security.credentials = grpc::InsecureServerCredentials();
    security.summary = "plaintext";
  } else {
    absl::Status files =
        CheckPemFiles({{"--tls_cert_file", options.certificate_file, PemContent::kCertificate},
                       {"--tls_key_file", options.private_key_file, PemContent::kPrivateKey},
                       {"--tls_client_ca_file", options.client_ca_file, PemContent::kCertificate}});
    if (!files.ok()) return files;
    security.credentials = TlsCredentials(options);
    security.summary = options.client_ca_file.empty() ? "TLS (no client certificates)"
                       : options.require_client_certificate
                           ? "mTLS (client certificate required)"
                           : "mTLS (client certificate verified when presented)";
  }
  if (!options.authorization_policy_file.empty()) {
    auto provider = WatchAuthorizationPolicyFile(options.authorization_policy_file,
                                                 options.authorization_refresh, LogDenial);
    if (!provider.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--authz_policy_file: ", provider.status().message()));
    }
    security.authorization = *std::move(provider);
    absl::StrAppend(&security.summary, ", authorization policy ", options.authorization_policy_file,
                    " (re-read every ", absl::FormatDuration(options.authorization_refresh), ")");
  } else {
    absl::StrAppend(&security.summary, ", no authorization policy (every call allowed)");
  }
  if (!options.health_listen_address.empty()) {
    absl::StrAppend(&security.summary, ", plaintext health listener on ",
                    options.health_listen_address);
  }
  return security;
}

}  // namespace dbs::serving
