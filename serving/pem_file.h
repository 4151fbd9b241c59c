#ifndef SERVING_PEM_FILE_H_
#define SERVING_PEM_FILE_H_

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace dbs::serving {

// What a PEM file given in a setting must hold.
enum class PemContent { kCertificate, kPrivateKey };

// Start-up check of a certificate or key file named by setting `setting` (e.g.
// "--tls_cert_file"), so a wrong path fails the process at once with a message
// naming the setting, instead of every later handshake failing. Reads the file and
// checks for a PEM block of the right kind; the content is never logged or
// returned. INVALID_ARGUMENT on failure.
absl::Status CheckPemFile(absl::string_view setting, const std::string& path, PemContent content);

// One file setting for CheckPemFiles().
struct PemFileSetting {
  absl::string_view setting;  // e.g. "--tls_key_file"
  std::string path;           // empty: not configured, skipped
  PemContent content;
};

// CheckPemFile() for each configured setting; the first failure.
absl::Status CheckPemFiles(std::initializer_list<PemFileSetting> settings);

}  // namespace dbs::serving

#endif  // SERVING_PEM_FILE_H_
