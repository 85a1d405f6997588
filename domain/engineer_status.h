// An engineer's live status (api-field.md: POST /v1/engineers/{id}/status):
// available, travelling, on site or off duty, and where they last were.
// Its own aggregate kind ("engineer_status", id = the engineer id, on
// aftercare.master) rather than events of the engineer record: an engineer
// reports many times a day, and an admin editing the record with If-Match
// must not be refused because the engineer moved.
#pragma once

#include <optional>
#include <string>

#include <simdjson.h>

#include "domain/event.h"
#include "domain/location.h"
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

struct EngineerStatusState {
  bool exists = false;
  std::string status;  // available | travelling | on_site | off_duty
  std::optional<Location> location;  // the last one reported
  Timestamp reported_at;
  bool operator==(const EngineerStatusState&) const = default;
};

struct ReportStatus {
  std::string status;
  std::optional<Location> location;
};

// The body of POST /v1/engineers/{id}/status.
Result<ReportStatus> decode_status_report(simdjson::dom::element body);
Decision decide_status_report(const EngineerStatusState& s, const ReportStatus& c, Timestamp now);
std::string engineer_status_to_json(const EngineerStatusState& s);

class AggregateState;
const EngineerStatusState& engineer_status_state(const AggregateState* state);
AggregateKind engineer_status_kind();

}  // namespace aftercare
