#ifndef INSTANCE_SERVICE_RULES_UPDATE_MASK_H_
#define INSTANCE_SERVICE_RULES_UPDATE_MASK_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "instance/v1/db_servers.pb.h"
#include "instance_service/repository/db_server_record.h"

namespace dbs::instance {

// UpdateDbServer's field mask (AIP-134). Mutable paths: state, health,
// health_message, last_health_check_time, max_instances, host, port, labels.
// Repeating a path is allowed. `*`, sub-paths (`labels.region`), immutable fields
// (`id`, `display_name`, `instance_count`, ...) and unknown names are not.

// OK, or INVALID_ARGUMENT with reason "INVALID_UPDATE_MASK": field "update_mask"
// when the mask is empty or has more than 64 paths, otherwise one violation per
// distinct bad path, field "update_mask.paths[i]" (its first index), saying why.
absl::Status CheckUpdateMask(const google::protobuf::FieldMask& mask);

// Validates a whole UpdateDbServerRequest and returns the changes it asks for,
// holding exactly the masked fields:
// 1. the mask (CheckUpdateMask; INVALID_UPDATE_MASK), then
// 2. in one INVALID_FIELD error, ValidateUpdateDbServerRequest's violations (id,
//    etag, request_id) and those of every masked value, by the same rules as
//    create: state and health must be known values other than *_UNSPECIFIED;
//    health_message, last_health_check_time (not after `now` + 1 minute), host,
//    port, max_instances and labels as in request_validation.h. A masked but
//    unset last_health_check_time clears the column.
// State transitions and max_instances >= instance_count need the stored row and
// are the handler's (state_transitions.h, the repository).
absl::StatusOr<DbServerChanges> ChangesFromUpdateRequest(
    const ::instance::v1::UpdateDbServerRequest& request, absl::Time now);

}  // namespace dbs::instance

#endif  // INSTANCE_SERVICE_RULES_UPDATE_MASK_H_
