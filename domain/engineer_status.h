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
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

// A place in micro-degrees: what FieldType::location stores, as integers.
struct Location {
  int64_t lat_micro = 0, lon_micro = 0;
  bool operator==(const Location&) const = default;
};
// From the JSON of a stored location ({"lat":..,"lon":..}); nullopt when absent or malformed.
std::optional<Location> location_from_json(simdjson::dom::element e);
std::optional<Location> location_member(std::string_view json, const char* key);
std::string location_json(const Location& l);
// Great-circle (haversine) distance, in tenths of a kilometre.
int64_t distance_tenths_km(const Location& a, const Location& b);

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
