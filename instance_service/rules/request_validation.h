#ifndef INSTANCE_SERVICE_RULES_REQUEST_VALIDATION_H_
#define INSTANCE_SERVICE_RULES_REQUEST_VALIDATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "errors/error_status.h"
#include "google/protobuf/map.h"
#include "google/protobuf/timestamp.pb.h"
#include "instance/v1/db_servers.pb.h"

namespace dbs::instance {

// Field-level validation of instance.v1.DbServerService requests: the rules the
// proto comments document. Pure functions, safe on any input (empty, huge,
// non-UTF-8, control characters).
//
// Every Validate*Request returns OK or INVALID_ARGUMENT with reason
// "INVALID_FIELD" and one FieldViolation per broken rule, ALL of them, each naming
// the request path ("id", "db_server.port", "db_server.labels[\"Zone\"]"). User
// input is echoed only escaped and truncated (QuoteInput), so descriptions are
// always printable ASCII.
//
// What is checked elsewhere, each with its own reason:
// - ListDbServersRequest.filter: ParseFilter (filter_parser.h, INVALID_FILTER);
// - ListDbServersRequest.page_token: DecodePageToken (page_token.h,
//   INVALID_PAGE_TOKEN);
// - UpdateDbServerRequest.update_mask and the values it names:
//   ChangesFromUpdateRequest (update_mask.h), which also runs
//   ValidateUpdateDbServerRequest, so an Update handler needs only that call.

// page_size >= 0.
absl::Status ValidateListDbServersRequest(const ::instance::v1::ListDbServersRequest& request);
// id is a UUID.
absl::Status ValidateGetDbServerRequest(const ::instance::v1::GetDbServerRequest& request);
// db_server is set; display_name, host, port, server_type, max_instances and labels
// follow their rules; state is STATE_UNSPECIFIED or STATE_PROVISIONING; health is
// HEALTH_UNSPECIFIED; health_message is empty and last_health_check_time unset
// (monitoring writes them through UpdateDbServer); request_id is empty or a UUID.
// Output-only fields (id, instance_count, create_time, update_time, etag) are
// ignored.
absl::Status ValidateCreateDbServerRequest(const ::instance::v1::CreateDbServerRequest& request);
// The parts of an update outside the mask: db_server is set, db_server.id is a
// UUID, db_server.etag is empty or an etag (ParseEtag), request_id is empty or a
// UUID.
absl::Status ValidateUpdateDbServerRequest(const ::instance::v1::UpdateDbServerRequest& request);
// id is a UUID, etag empty or an etag, request_id empty or a UUID.
absl::Status ValidateDeleteDbServerRequest(const ::instance::v1::DeleteDbServerRequest& request);
// server_type matches [a-z][a-z0-9_-]{0,31}.
absl::Status ValidateFindAvailableDbServerRequest(
    const ::instance::v1::FindAvailableDbServerRequest& request);
// id is a UUID, request_id empty or a UUID.
absl::Status ValidateIncrementInstanceCountRequest(
    const ::instance::v1::IncrementInstanceCountRequest& request);
absl::Status ValidateDecrementInstanceCountRequest(
    const ::instance::v1::DecrementInstanceCountRequest& request);
// server_type matches [a-z][a-z0-9_-]{0,31}, request_id empty or a UUID.
absl::Status ValidateAllocateDbServerRequest(
    const ::instance::v1::AllocateDbServerRequest& request);

// The page size a validated page_size stands for: 0 (and, defensively, a
// negative value) -> 50, above 1000 -> 1000, otherwise itself.
int EffectivePageSize(int32_t page_size);
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// The row version an etag names (the decimal text EtagOf() writes: digits only,
// no sign, no leading zero, 1..2^63-1). Anything else is INVALID_ARGUMENT
// (INVALID_FIELD) naming `field` ("etag", "db_server.etag"). Precondition:
// !etag.empty() (an empty etag means "unconditional" and is the caller's case).
absl::StatusOr<int64_t> ParseEtag(absl::string_view etag, absl::string_view field);

// Predicates behind the rules; exposed for the filter parser and tests.
// Lowercase hyphenated 8-4-4-4-12 hex, e.g. "0b7f2c2e-4c1a-4d8e-9f00-5a6b7c8d9e0f".
bool IsCanonicalUuid(absl::string_view text);
// 1..63 of a-z, 0-9, '-', starting and ending with a letter or digit.
bool IsRfc1123Label(absl::string_view text);
// [a-z][a-z0-9_-]{0,31}
bool IsServerType(absl::string_view text);
// [a-z][a-z0-9_-]{0,62}
bool IsLabelKey(absl::string_view text);
// 0..63 of a-z, 0-9, '_', '-'.
bool IsLabelValue(absl::string_view text);
// An RFC 1123 host name (at most 253 characters, dot-separated labels of letters,
// digits and '-'; a last label of digits only must make a dotted-quad IPv4), an
// IPv4 literal, or an IPv6 literal (without brackets).
bool IsHost(absl::string_view text);

// Decodes `text` as UTF-8. False when it is not valid UTF-8 (truncated
// sequences, overlong forms, surrogates, values above U+10FFFF). Otherwise sets
// *code_points to the number of characters and *has_control to whether any is a
// control character: C0 other than tab, CR and LF; DEL; or C1.
bool ScanUtf8(absl::string_view text, size_t* code_points, bool* has_control);

// Field rules for one value each, appending a violation for `field` to
// `violations` when broken. Shared by the Validate*Request functions and
// ChangesFromUpdateRequest (update_mask.h).
void CheckUuid(absl::string_view id, absl::string_view field,
               std::vector<errors::FieldViolation>* violations);
void CheckRequestId(absl::string_view request_id, absl::string_view field,
                    std::vector<errors::FieldViolation>* violations);
void CheckHost(absl::string_view host, absl::string_view field,
               std::vector<errors::FieldViolation>* violations);
void CheckPort(int32_t port, absl::string_view field,
               std::vector<errors::FieldViolation>* violations);
void CheckServerType(absl::string_view server_type, absl::string_view field,
                     std::vector<errors::FieldViolation>* violations);
void CheckMaxInstances(int32_t max_instances, absl::string_view field,
                       std::vector<errors::FieldViolation>* violations);
// At most 64 entries (beyond that only the count is reported); each bad key or
// value is reported as `field["key"]`, in key order.
void CheckLabels(const google::protobuf::Map<std::string, std::string>& labels,
                 absl::string_view field, std::vector<errors::FieldViolation>* violations);
// Valid UTF-8, at most 1024 characters, no control characters except tab, CR, LF.
void CheckHealthMessage(absl::string_view message, absl::string_view field,
                        std::vector<errors::FieldViolation>* violations);
// A valid Timestamp (0001..9999, nanos 0..999999999) not after now + 1 minute.
void CheckHealthCheckTime(const google::protobuf::Timestamp& time, absl::Time now,
                          absl::string_view field, std::vector<errors::FieldViolation>* violations);

// `input` quoted for an error message: at most 64 bytes of it (then "..."),
// non-printable and non-ASCII bytes C-escaped, in double quotes.
std::string QuoteInput(absl::string_view input);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_RULES_REQUEST_VALIDATION_H_
