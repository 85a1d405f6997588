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
  // An integer number of degrees is written as one, which is how it reads back.
  if (micro % 1'000'000 == 0) return std::to_string(micro / 1'000'000);
  return format_double(static_cast<double>(micro) / 1e6);
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
