// Places: what FieldType::location stores ({"lat", "lon"} in degrees,
// kept to 6 decimals), as integers, and the great-circle distance between
// two of them. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

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
// Micro-degrees as a decimal number of degrees, without trailing zeros: the
// same bytes for the same place, whatever digits the client sent.
std::string format_micro_degrees(int64_t micro);
// Great-circle (haversine) distance, in tenths of a kilometre.
int64_t distance_tenths_km(const Location& a, const Location& b);

}  // namespace aftercare
