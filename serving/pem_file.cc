#include "serving/pem_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace dbs::serving {

absl::Status CheckPemFile(absl::string_view setting, const std::string& path, PemContent content) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, " ", path, ": cannot read: ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();
  const bool found = content == PemContent::kCertificate
                         ? absl::StrContains(pem, "-----BEGIN CERTIFICATE-----")
                         : absl::StrContains(pem, "PRIVATE KEY-----");
  if (!found) {
    return absl::InvalidArgumentError(absl::StrCat(
        setting, " ", path, ": no PEM ",
        content == PemContent::kCertificate ? "certificate" : "private key", " in it"));
  }
  return absl::OkStatus();
}

absl::Status CheckPemFiles(std::initializer_list<PemFileSetting> settings) {
  for (const PemFileSetting& file : settings) {
    if (file.path.empty()) continue;
    if (absl::Status status = CheckPemFile(file.setting, file.path, file.content); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace dbs::serving
