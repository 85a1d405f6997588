// The event envelope: a CloudEvents 1.0 JSON event with aftercare's
// extension attributes, and its one canonical byte form.
//
// encode() writes the attributes in a fixed order with JsonWriter, so an
// envelope has exactly one byte representation; decode() accepts only that
// form's fields (unknown attributes are rejected: the log holds nothing we
// did not write). The bytes encode() returns are what the log stores and
// what `prevhash` hashes. See docs/envelope.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "domain/status.h"
#include "domain/time.h"

namespace aftercare {

inline constexpr std::string_view kSpecVersion = "1.0";
inline constexpr std::string_view kSource = "/aftercare";
inline constexpr std::string_view kDataContentType = "application/json";
inline constexpr std::string_view kCloudEventsContentType =
    "application/cloudevents+json; charset=UTF-8";
// prevhash of an aggregate's first event.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct Envelope {
  std::string id;       // UUID of this event
  std::string type;     // aftercare.<aggregate>.<event>.v<N>
  std::string subject;  // "<aggregate>/<aggregate id>", e.g. "request/R-1"
  Timestamp time;
  std::string aggregate_id;
  uint64_t sequence = 0;  // 1, 2, 3 ... per aggregate
  std::string command_id;
  std::string actor;
  std::string correlation_id;
  std::string prevhash;  // hex SHA-256 of the previous event's bytes, or kGenesisHash
  std::string data;      // canonical JSON object

  bool operator==(const Envelope&) const = default;
};

std::string encode(const Envelope& e);

// Decodes and validates one envelope. `parser` is reused across calls for speed.
Result<Envelope> decode(std::string_view bytes, simdjson::dom::parser& parser);

// Re-writes any JSON value canonically (used for `data` on decode).
void write_canonical(simdjson::dom::element e, std::string& out);

// The parts of a type name: "aftercare.request.opened.v1" -> {"request", "opened", 1}.
struct EventTypeName {
  std::string aggregate;
  std::string event;
  int version = 0;
};
Result<EventTypeName> parse_type(std::string_view type);
std::string make_type(std::string_view aggregate, std::string_view event, int version);

// Hex SHA-256 of the envelope bytes, the value the next event's prevhash holds.
std::string chain_hash(std::string_view envelope_bytes);

// The last link of an aggregate's chain as someone recorded it: the write
// side's state holds one per aggregate, and `audit --verify-chains` checks
// the log's chains end there.
struct ChainHead {
  std::string subject;  // "<kind>/<id>"
  uint64_t sequence = 0;
  std::string hash;
};

}  // namespace aftercare
