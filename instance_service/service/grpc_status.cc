#include "instance_service/service/grpc_status.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "errors/error_status.h"
#include "glog/logging.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace dbs::instance {
namespace {

namespace v1 = ::instance::v1;
using errors::FieldViolation;

// Per-part bounds (bytes). With kMaxErrorMetadataBytes they keep one error far
// below the client's 8 KiB: a message of 1 KiB costs at most 3 KiB
// percent-encoded and 1.4 KiB again inside the base64 details.
constexpr size_t kMaxMessageBytes = 1024;
constexpr size_t kMaxFieldBytes = 192;
constexpr size_t kMaxDescriptionBytes = 384;
constexpr size_t kMaxMetadataValueBytes = 256;
// More violations than this are never sent, whatever their size.
constexpr size_t kMaxViolations = 32;
// HTTP/2 (RFC 7540 6.5.2) counts 32 bytes per header besides name and value.
constexpr size_t kHeaderOverheadBytes = 32;

// A reason for errors whose origin attached none (e.g. a bug path), so every
// error still carries an ErrorInfo a caller can branch on.
v1::ErrorReason DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return v1::INVALID_FIELD;
    case absl::StatusCode::kNotFound:
      return v1::DB_SERVER_NOT_FOUND;
    case absl::StatusCode::kUnavailable:
      return v1::DATABASE_UNAVAILABLE;
    case absl::StatusCode::kDeadlineExceeded:
      return v1::QUERY_TIMEOUT;
    case absl::StatusCode::kAborted:
      return v1::ETAG_MISMATCH;
    default:
      return v1::INTERNAL_ERROR;
  }
}

// `text` cut to at most `max_bytes`, ending in "..." when cut. The cut falls
// between UTF-8 sequences, so valid UTF-8 stays valid (proto3 strings require it).
std::string Clip(const std::string& text, size_t max_bytes, bool* clipped) {
  if (text.size() <= max_bytes) return text;
  *clipped = true;
  size_t end = max_bytes - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(text.substr(0, end), "...");
}

// The violations to send: each (field, description) once, in order, clipped.
std::vector<FieldViolation> DistinctClippedViolations(const absl::Status& status, bool* clipped) {
  std::vector<FieldViolation> distinct;
  std::set<std::pair<std::string, std::string>> seen;
  for (FieldViolation& violation : errors::ViolationsOf(status)) {
    if (!seen.emplace(violation.field, violation.description).second) {
      *clipped = true;
      continue;
    }
    distinct.push_back({Clip(violation.field, kMaxFieldBytes, clipped),
                        Clip(violation.description, kMaxDescriptionBytes, clipped)});
  }
  return distinct;
}

// The INVALID_ARGUMENT message InvalidArgument() writes, with as many
// violations as fit in kMaxMessageBytes, saying how many more there are.
std::string SummaryOf(const std::vector<FieldViolation>& violations) {
  constexpr size_t kReserve = sizeof("; and 4294967295 more");
  std::string summary;
  size_t listed = 0;
  for (const FieldViolation& violation : violations) {
    const std::string part =
        absl::StrCat(listed == 0 ? "" : "; ", violation.field, ": ", violation.description);
    if (summary.size() + part.size() + kReserve > kMaxMessageBytes) break;
    summary += part;
    ++listed;
  }
  if (listed < violations.size()) {
    absl::StrAppend(&summary, listed == 0 ? "" : "; ", "and ", violations.size() - listed, " more");
  }
  return summary;
}

std::string DetailsOf(const absl::Status& status, const std::string& message,
                      const google::rpc::ErrorInfo& info,
                      const std::vector<FieldViolation>& violations, size_t kept) {
  const absl::StatusCode code = status.code();
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  details.add_details()->PackFrom(info);
  if (kept > 0) {
    google::rpc::BadRequest bad_request;
    for (size_t i = 0; i < kept; ++i) {
      auto* entry = bad_request.add_field_violations();
      entry->set_field(violations[i].field);
      entry->set_description(violations[i].description);
    }
    details.add_details()->PackFrom(bad_request);
  }
  // When to come back (SERVER_OVERLOADED sets it), as the status says.
  if (auto retry = status.GetPayload(errors::kRetryInfoTypeUrl); retry.has_value()) {
    google::protobuf::Any& detail = *details.add_details();
    detail.set_type_url(std::string(errors::kRetryInfoTypeUrl));
    detail.set_value(std::string(*retry));
  }
  return details.SerializeAsString();
}

// gRPC percent-encodes grpc-message: every byte outside 0x20..0x7E, and '%',
// takes three.
size_t PercentEncodedBytes(const std::string& text) {
  size_t bytes = 0;
  for (unsigned char c : text) bytes += (c >= 0x20 && c <= 0x7E && c != '%') ? 1 : 3;
  return bytes;
}

}  // namespace

grpc::Status MalformedRequestStatus(const std::string& method) {
  return ToGrpcStatus(errors::MakeError(
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("the request is not a valid message for ", method,
                   " (a string field with invalid UTF-8, or bytes that are not this message)"),
      v1::MALFORMED_REQUEST));
}

size_t ErrorMetadataBytes(const grpc::Status& status) {
  const size_t details = status.error_details().size();
  return sizeof("grpc-message") - 1 + PercentEncodedBytes(status.error_message()) +
         kHeaderOverheadBytes + sizeof("grpc-status-details-bin") - 1 + (details * 4 + 2) / 3 +
         kHeaderOverheadBytes;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;

  std::string message(status.message());
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    absl::BitGen random;
    const std::string correlation = absl::StrFormat("%016x", absl::Uniform<uint64_t>(random));
    LOG(ERROR) << "internal error [" << correlation << "]: " << status;
    message = absl::StrCat("internal error; correlation id ", correlation);
  }

  bool clipped = false;
  google::rpc::ErrorInfo info;
  for (const auto& [key, value] : errors::MetadataOf(status)) {
    (*info.mutable_metadata())[key] = Clip(value, kMaxMetadataValueBytes, &clipped);
  }
  const std::string reason = errors::ReasonNameOf(status);
  info.set_reason(reason.empty() ? v1::ErrorReason_Name(DefaultReason(status.code())) : reason);
  info.set_domain(std::string(errors::kErrorDomain));

  const std::vector<FieldViolation> violations = DistinctClippedViolations(status, &clipped);
  // The message of an INVALID_ARGUMENT error lists its violations; when they
  // were clipped, deduplicated or are too many, it is written again from them.
  const std::string sent = !violations.empty() && (clipped || message.size() > kMaxMessageBytes)
                               ? SummaryOf(violations)
                               : Clip(message, kMaxMessageBytes, &clipped);
  // Drop violations from the end of the details until the error fits; with
  // none left, the bounded message and the ErrorInfo always do.
  for (size_t kept = std::min(violations.size(), kMaxViolations);; --kept) {
    grpc::Status result(static_cast<grpc::StatusCode>(status.code()), sent,
                        DetailsOf(status, sent, info, violations, kept));
    if (kept == 0 || ErrorMetadataBytes(result) <= kMaxErrorMetadataBytes) return result;
  }
}

}  // namespace dbs::instance
