#include "domain/location.h"

#include <algorithm>
#include <cmath>

#include "domain/json.h"

namespace aftercare {

std::optional<Location> location_from_json(simdjson::dom::element e) {
  double lat, lon;
  if (e["lat"].get_double().get(lat) || e["lon"].get_double().get(lon)) return std::nullopt;
  if (!std::isfinite(lat) || !std::isfinite(lon) || std::fabs(lat) > 90 || std::fabs(lon) > 180) return std::nullopt;
  return Location{std::llround(lat * 1e6), std::llround(lon * 1e6)};
}

std::optional<Location> location_member(std::string_view json, const char* key) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  simdjson::dom::element e;
  if (!root || (*root)[key].get(e) || !e.is_object()) return std::nullopt;
  return location_from_json(e);
}

std::string format_micro_degrees(int64_t micro) {
  std::string out = micro < 0 ? "-" : "";
  const uint64_t m = static_cast<uint64_t>(micro < 0 ? -micro : micro);
  out += std::to_string(m / 1'000'000);
  if (uint64_t frac = m % 1'000'000) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 6 - digits.size(), '0');
    digits.erase(digits.find_last_not_of('0') + 1);
    out += "." + digits;
  }
  return out;
}

std::string location_json(const Location& l) {
  return "{\"lat\":" + format_micro_degrees(l.lat_micro) + ",\"lon\":" + format_micro_degrees(l.lon_micro) + "}";
}

int64_t distance_tenths_km(const Location& a, const Location& b) {
  constexpr double kEarthRadiusKm = 6371.0088;  // the mean radius (IUGG)
  constexpr double kRad = 3.14159265358979323846 / 180.0 / 1e6;
  const double lat1 = a.lat_micro * kRad, lat2 = b.lat_micro * kRad;
  const double dlat = lat2 - lat1, dlon = (b.lon_micro - a.lon_micro) * kRad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1) * std::cos(lat2) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return std::llround(20.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h))));
}

}  // namespace aftercare
