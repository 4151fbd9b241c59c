#include "instance_service/rules/request_validation.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "identity/uuid.h"

namespace dbs::instance {
namespace {

using ::instance::v1::DbServer;

constexpr size_t kMaxHostLength = 253;
constexpr int32_t kMaxMaxInstances = 1000000;
constexpr size_t kMaxLabels = 64;
constexpr size_t kMaxHealthMessageChars = 1024;
constexpr size_t kMaxQuotedBytes = 64;
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr absl::Duration kMaxClockSkew = absl::Minutes(1);

bool IsLowerAlnum(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); }

bool AllOf(absl::string_view text, bool (*predicate)(char)) {
  return std::all_of(text.begin(), text.end(), predicate);
}

bool IsLabelChar(char c) { return IsLowerAlnum(c) || c == '_' || c == '-'; }

// An RFC 1123 host-name label, any letter case: 1..63 of letters, digits, '-',
// not starting or ending with '-'.
bool IsHostLabel(absl::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return AllOf(label, [](char c) { return absl::ascii_isalnum(c) || c == '-'; });
}

bool IsIpv4Literal(absl::string_view text) {
  if (text.empty() || text.size() > 15 ||
      !AllOf(text, [](char c) { return absl::ascii_isdigit(c) || c == '.'; })) {
    return false;
  }
  in_addr address;
  return inet_pton(AF_INET, std::string(text).c_str(), &address) == 1;
}

bool IsIpv6Literal(absl::string_view text) {
  // The character check keeps NUL bytes (which would end the C string early) out.
  if (text.size() < 2 || text.size() > 45 ||
      !AllOf(text, [](char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; })) {
    return false;
  }
  in6_addr address;
  return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

bool IsHostName(absl::string_view text) {
  if (text.empty() || text.size() > kMaxHostLength) return false;
  std::vector<absl::string_view> labels = absl::StrSplit(text, '.');
  if (!std::all_of(labels.begin(), labels.end(), IsHostLabel)) return false;
  // "300.1.1.1" is neither a host name nor an address: a top-level label is never
  // all digits.
  return !AllOf(labels.back(), [](char c) { return absl::ascii_isdigit(c) != 0; });
}

void Add(std::vector<errors::FieldViolation>* violations, absl::string_view field,
         std::string description) {
  violations->push_back({std::string(field), std::move(description)});
}

absl::Status ToStatus(std::vector<errors::FieldViolation> violations) {
  if (violations.empty()) return absl::OkStatus();
  return errors::InvalidArgument(::instance::v1::INVALID_FIELD, std::move(violations));
}

void CheckRequiredUuid(absl::string_view id, absl::string_view field,
                       std::vector<errors::FieldViolation>* violations) {
  if (id.empty()) {
    Add(violations, field, "is required: the db server's id (a UUID)");
    return;
  }
  CheckUuid(id, field, violations);
}

void CheckOptionalEtag(absl::string_view etag, absl::string_view field,
                       std::vector<errors::FieldViolation>* violations) {
  if (etag.empty()) return;
  auto version = ParseEtag(etag, field);
  if (!version.ok()) {
    for (errors::FieldViolation& violation : errors::ViolationsOf(version.status())) {
      violations->push_back(std::move(violation));
    }
  }
}

void CheckDisplayName(absl::string_view name, absl::string_view field,
                      std::vector<errors::FieldViolation>* violations) {
  if (name.empty()) {
    Add(violations, field, "is required");
  } else if (!IsRfc1123Label(name)) {
    Add(violations, field,
        absl::StrCat("must be an RFC 1123 label: 1 to 63 characters of a-z, 0-9 and '-', "
                     "starting and ending with a letter or digit; got ",
                     QuoteInput(name)));
  }
}

}  // namespace

bool IsCanonicalUuid(absl::string_view text) {
  return identity::IsUuid(text, /*lowercase_only=*/true);
}

bool IsRfc1123Label(absl::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  if (!IsLowerAlnum(text.front()) || !IsLowerAlnum(text.back())) return false;
  return AllOf(text, [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

bool IsServerType(absl::string_view text) {
  return !text.empty() && text.size() <= 32 && absl::ascii_islower(text.front()) &&
         AllOf(text, IsLabelChar);
}

bool IsLabelKey(absl::string_view text) {
  return !text.empty() && text.size() <= 63 && absl::ascii_islower(text.front()) &&
         AllOf(text, IsLabelChar);
}

bool IsLabelValue(absl::string_view text) { return text.size() <= 63 && AllOf(text, IsLabelChar); }

bool IsHost(absl::string_view text) {
  return IsIpv4Literal(text) || IsIpv6Literal(text) || IsHostName(text);
}

bool ScanUtf8(absl::string_view text, size_t* code_points, bool* has_control) {
  *code_points = 0;
  *has_control = false;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    uint32_t value = 0;
    size_t length = 0;
    if (lead < 0x80) {
      value = lead;
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      value = lead & 0x1F;
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      value = lead & 0x0F;
      length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      value = lead & 0x07;
      length = 4;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      value = (value << 6) | (next & 0x3F);
    }
    if ((length == 3 && (value < 0x800 || (value >= 0xD800 && value <= 0xDFFF))) ||
        (length == 4 && (value < 0x10000 || value > 0x10FFFF))) {
      return false;
    }
    if ((value < 0x20 && value != '\t' && value != '\n' && value != '\r') || value == 0x7F ||
        (value >= 0x80 && value < 0xA0)) {
      *has_control = true;
    }
    ++*code_points;
    i += length;
  }
  return true;
}

std::string QuoteInput(absl::string_view input) {
  const bool truncated = input.size() > kMaxQuotedBytes;
  // CHexEscape leaves only printable ASCII, so the result is valid UTF-8 whatever
  // the input was (BadRequest descriptions are proto3 strings).
  return absl::StrCat("\"", absl::CHexEscape(input.substr(0, kMaxQuotedBytes)),
                      truncated ? "\"..." : "\"");
}

void CheckUuid(absl::string_view id, absl::string_view field,
               std::vector<errors::FieldViolation>* violations) {
  if (!IsCanonicalUuid(id)) {
    Add(violations, field,
        absl::StrCat("must be a UUID in canonical form (lowercase hex, 8-4-4-4-12), got ",
                     QuoteInput(id)));
  }
}

void CheckRequestId(absl::string_view request_id, absl::string_view field,
                    std::vector<errors::FieldViolation>* violations) {
  if (!request_id.empty()) CheckUuid(request_id, field, violations);
}

void CheckHost(absl::string_view host, absl::string_view field,
               std::vector<errors::FieldViolation>* violations) {
  if (host.empty()) {
    Add(violations, field, "is required");
  } else if (host.size() > kMaxHostLength) {
    Add(violations, field,
        absl::StrCat("must be at most ", kMaxHostLength, " characters, got ", host.size()));
  } else if (!IsHost(host)) {
    Add(violations, field,
        absl::StrCat("must be an RFC 1123 host name or an IPv4/IPv6 literal, got ",
                     QuoteInput(host)));
  }
}

void CheckPort(int32_t port, absl::string_view field,
               std::vector<errors::FieldViolation>* violations) {
  if (port < 1 || port > 65535) {
    Add(violations, field, absl::StrCat("must be between 1 and 65535, got ", port));
  }
}

void CheckServerType(absl::string_view server_type, absl::string_view field,
                     std::vector<errors::FieldViolation>* violations) {
  if (server_type.empty()) {
    Add(violations, field, "is required");
  } else if (!IsServerType(server_type)) {
    Add(violations, field,
        absl::StrCat("must match [a-z][a-z0-9_-]{0,31}, got ", QuoteInput(server_type)));
  }
}

void CheckMaxInstances(int32_t max_instances, absl::string_view field,
                       std::vector<errors::FieldViolation>* violations) {
  if (max_instances < 1 || max_instances > kMaxMaxInstances) {
    Add(violations, field,
        absl::StrCat("must be between 1 and ", kMaxMaxInstances, ", got ", max_instances));
  }
}

void CheckLabels(const google::protobuf::Map<std::string, std::string>& labels,
                 absl::string_view field, std::vector<errors::FieldViolation>* violations) {
  if (labels.size() > kMaxLabels) {
    Add(violations, field,
        absl::StrCat("must have at most ", kMaxLabels, " entries, got ", labels.size()));
    return;
  }
  // google::protobuf::Map iterates in no particular order; report in key order.
  std::vector<const std::string*> keys;
  for (const auto& entry : labels) keys.push_back(&entry.first);
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* key : keys) {
    const std::string entry_field = absl::StrCat(field, "[", QuoteInput(*key), "]");
    if (!IsLabelKey(*key)) {
      Add(violations, entry_field,
          absl::StrCat("key must match [a-z][a-z0-9_-]{0,62}, got ", QuoteInput(*key)));
    }
    const std::string& value = labels.at(*key);
    if (!IsLabelValue(value)) {
      Add(violations, entry_field,
          absl::StrCat("value must be at most 63 characters of a-z, 0-9, '_' and '-', got ",
                       QuoteInput(value)));
    }
  }
}

void CheckHealthMessage(absl::string_view message, absl::string_view field,
                        std::vector<errors::FieldViolation>* violations) {
  size_t code_points = 0;
  bool has_control = false;
  if (!ScanUtf8(message, &code_points, &has_control)) {
    Add(violations, field, "must be valid UTF-8");
  } else if (code_points > kMaxHealthMessageChars) {
    Add(violations, field,
        absl::StrCat("must be at most ", kMaxHealthMessageChars, " characters, got ", code_points));
  } else if (has_control) {
    Add(violations, field, "must not contain control characters other than tab, CR and LF");
  }
}

void CheckHealthCheckTime(const google::protobuf::Timestamp& time, absl::Time now,
                          absl::string_view field,
                          std::vector<errors::FieldViolation>* violations) {
  if (time.seconds() < kMinTimestampSeconds || time.seconds() > kMaxTimestampSeconds ||
      time.nanos() < 0 || time.nanos() > 999999999) {
    Add(violations, field,
        absl::StrCat("must be a valid Timestamp (years 0001 to 9999, nanos 0 to 999999999), "
                     "got seconds=",
                     time.seconds(), " nanos=", time.nanos()));
    return;
  }
  const absl::Time value = absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  if (value > now + kMaxClockSkew) {
    Add(violations, field,
        absl::StrCat("must not be more than a minute in the future, got ",
                     absl::FormatTime(absl::RFC3339_full, value, absl::UTCTimeZone()),
                     " at server time ",
                     absl::FormatTime(absl::RFC3339_full, now, absl::UTCTimeZone())));
  }
}

absl::Status ValidateListDbServersRequest(const ::instance::v1::ListDbServersRequest& request) {
  std::vector<errors::FieldViolation> violations;
  if (request.page_size() < 0) {
    Add(&violations, "page_size",
        absl::StrCat("must be 0 (the default, ", kDefaultPageSize, ") or positive, got ",
                     request.page_size()));
  }
  return ToStatus(std::move(violations));
}

absl::Status ValidateGetDbServerRequest(const ::instance::v1::GetDbServerRequest& request) {
  std::vector<errors::FieldViolation> violations;
  CheckRequiredUuid(request.id(), "id", &violations);
  return ToStatus(std::move(violations));
}

absl::Status ValidateCreateDbServerRequest(const ::instance::v1::CreateDbServerRequest& request) {
  std::vector<errors::FieldViolation> violations;
  if (!request.has_db_server()) {
    Add(&violations, "db_server", "is required");
  } else {
    const DbServer& db_server = request.db_server();
    CheckDisplayName(db_server.display_name(), "db_server.display_name", &violations);
    CheckHost(db_server.host(), "db_server.host", &violations);
    CheckPort(db_server.port(), "db_server.port", &violations);
    CheckServerType(db_server.server_type(), "db_server.server_type", &violations);
    CheckMaxInstances(db_server.max_instances(), "db_server.max_instances", &violations);
    CheckLabels(db_server.labels(), "db_server.labels", &violations);
    if (db_server.state() != DbServer::STATE_UNSPECIFIED &&
        db_server.state() != DbServer::STATE_PROVISIONING) {
      Add(&violations, "db_server.state",
          absl::StrCat("must be STATE_UNSPECIFIED or STATE_PROVISIONING on create, got ",
                       DbServer::State_IsValid(db_server.state())
                           ? DbServer::State_Name(db_server.state())
                           : absl::StrCat("unknown value ", db_server.state())));
    }
    if (db_server.health() != DbServer::HEALTH_UNSPECIFIED) {
      Add(&violations, "db_server.health",
          absl::StrCat("must be HEALTH_UNSPECIFIED on create (monitoring sets it later), got ",
                       DbServer::Health_IsValid(db_server.health())
                           ? DbServer::Health_Name(db_server.health())
                           : absl::StrCat("unknown value ", db_server.health())));
    }
    if (!db_server.health_message().empty()) {
      Add(&violations, "db_server.health_message",
          "must be empty on create (monitoring sets it through UpdateDbServer)");
    }
    if (db_server.has_last_health_check_time()) {
      Add(&violations, "db_server.last_health_check_time",
          "must be unset on create (monitoring sets it through UpdateDbServer)");
    }
  }
  CheckRequestId(request.request_id(), "request_id", &violations);
  return ToStatus(std::move(violations));
}

absl::Status ValidateUpdateDbServerRequest(const ::instance::v1::UpdateDbServerRequest& request) {
  std::vector<errors::FieldViolation> violations;
  if (!request.has_db_server()) {
    Add(&violations, "db_server", "is required: its id names the pool to update");
  } else {
    CheckRequiredUuid(request.db_server().id(), "db_server.id", &violations);
    CheckOptionalEtag(request.db_server().etag(), "db_server.etag", &violations);
  }
  CheckRequestId(request.request_id(), "request_id", &violations);
  return ToStatus(std::move(violations));
}

absl::Status ValidateDeleteDbServerRequest(const ::instance::v1::DeleteDbServerRequest& request) {
  std::vector<errors::FieldViolation> violations;
  CheckRequiredUuid(request.id(), "id", &violations);
  CheckOptionalEtag(request.etag(), "etag", &violations);
  CheckRequestId(request.request_id(), "request_id", &violations);
  return ToStatus(std::move(violations));
}

absl::Status ValidateFindAvailableDbServerRequest(
    const ::instance::v1::FindAvailableDbServerRequest& request) {
  std::vector<errors::FieldViolation> violations;
  CheckServerType(request.server_type(), "server_type", &violations);
  return ToStatus(std::move(violations));
}

absl::Status ValidateIncrementInstanceCountRequest(
    const ::instance::v1::IncrementInstanceCountRequest& request) {
  std::vector<errors::FieldViolation> violations;
  CheckRequiredUuid(request.id(), "id", &violations);
  CheckRequestId(request.request_id(), "request_id", &violations);
  return ToStatus(std::move(violations));
}

absl::Status ValidateDecrementInstanceCountRequest(
    const ::instance::v1::DecrementInstanceCountRequest& request) {
  std::vector<errors::FieldViolation> violations;
  CheckRequiredUuid(request.id(), "id", &violations);
  CheckRequestId(request.request_id(), "request_id", &violations);
  return ToStatus(std::move(violations));
}

absl::Status ValidateAllocateDbServerRequest(
    const ::instance::v1::AllocateDbServerRequest& request) {
  std::vector<errors::FieldViolation> violations;
  CheckServerType(request.server_type(), "server_type", &violations);
  CheckRequestId(request.request_id(), "request_id", &violations);
  return ToStatus(std::move(violations));
}

int EffectivePageSize(int32_t page_size) {
  if (page_size <= 0) return kDefaultPageSize;
  return std::min<int>(page_size, kMaxPageSize);
}

absl::StatusOr<int64_t> ParseEtag(absl::string_view etag, absl::string_view field) {
  int64_t version = 0;
  const bool canonical = !etag.empty() && etag.size() <= 19 &&
                         AllOf(etag, [](char c) { return absl::ascii_isdigit(c) != 0; }) &&
                         etag.front() != '0';
  if (!canonical || !absl::SimpleAtoi(etag, &version) || version < 1) {
    return errors::InvalidArgument(
        ::instance::v1::INVALID_FIELD,
        {{std::string(field),
          absl::StrCat("must be an etag returned by this service (a positive decimal number), "
                       "got ",
                       QuoteInput(etag))}});
  }
  return version;
}

}  // namespace dbs::instance
