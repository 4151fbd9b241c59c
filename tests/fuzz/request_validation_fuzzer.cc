// Request validation as the server meets it: bytes -> ParseFromArray -> the
// checks of that RPC. The first input byte picks the request type. Never
// crashes; every rejection is INVALID_ARGUMENT that reaches a gRPC client whole
// (this is the harness that found errors outgrowing the 8 KiB metadata limit).
#include <cstddef>
#include <cstdint>

#include "absl/time/clock.h"
#include "google/protobuf/stubs/logging.h"
#include "instance/v1/db_servers.pb.h"
#include "instance_service/rules/filter_parser.h"
#include "instance_service/rules/page_token.h"
#include "instance_service/rules/request_validation.h"
#include "instance_service/rules/update_mask.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace v1 = ::instance::v1;
using dbs::fuzz::CheckInputError;

template <typename Request>
bool Parse(const uint8_t* data, size_t size, Request* request) {
  return request->ParseFromArray(data, static_cast<int>(size));
}

void CheckOutcome(const absl::Status& status) {
  if (!status.ok()) CheckInputError(status);
}

}  // namespace

// protobuf logs a line for every string field that is not UTF-8; here that is
// most inputs, and the noise would hide findings and slow the run.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t kind = data[0] % 9;
  ++data;
  --size;
  switch (kind) {
    case 0: {
      v1::ListDbServersRequest request;
      if (!Parse(data, size, &request)) return 0;
      CheckOutcome(dbs::instance::ValidateListDbServersRequest(request));
      CheckOutcome(dbs::instance::ParseFilter(request.filter()).status());
      if (!request.page_token().empty()) {
        CheckOutcome(
            dbs::instance::DecodePageToken(request.page_token(), request.filter()).status());
      }
      break;
    }
    case 1: {
      v1::GetDbServerRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ValidateGetDbServerRequest(request));
      }
      break;
    }
    case 2: {
      v1::CreateDbServerRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ValidateCreateDbServerRequest(request));
      }
      break;
    }
    case 3: {
      v1::UpdateDbServerRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ChangesFromUpdateRequest(request, absl::Now()).status());
      }
      break;
    }
    case 4: {
      v1::DeleteDbServerRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ValidateDeleteDbServerRequest(request));
      }
      break;
    }
    case 5: {
      v1::FindAvailableDbServerRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ValidateFindAvailableDbServerRequest(request));
      }
      break;
    }
    case 6: {
      v1::IncrementInstanceCountRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ValidateIncrementInstanceCountRequest(request));
      }
      break;
    }
    case 7: {
      v1::DecrementInstanceCountRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ValidateDecrementInstanceCountRequest(request));
      }
      break;
    }
    default: {
      v1::AllocateDbServerRequest request;
      if (Parse(data, size, &request)) {
        CheckOutcome(dbs::instance::ValidateAllocateDbServerRequest(request));
      }
      break;
    }
  }
  return 0;
}
