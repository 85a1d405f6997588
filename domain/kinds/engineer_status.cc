// The engineer's live status as a registered aggregate kind (domain/engineer_status.h).
#include <cmath>

#include "domain/body.h"
#include "domain/engineer_status.h"
#include "domain/json.h"
#include "domain/master_data.h"

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

namespace {

std::string degrees(int64_t micro) {
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

}  // namespace

std::string location_json(const Location& l) {
  return "{\"lat\":" + degrees(l.lat_micro) + ",\"lon\":" + degrees(l.lon_micro) + "}";
}

int64_t distance_tenths_km(const Location& a, const Location& b) {
  constexpr double kEarthRadiusKm = 6371.0088;  // the mean radius (IUGG)
  constexpr double kRad = 3.14159265358979323846 / 180.0 / 1e6;
  const double lat1 = a.lat_micro * kRad, lat2 = b.lat_micro * kRad;
  const double dlat = lat2 - lat1, dlon = (b.lon_micro - a.lon_micro) * kRad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1) * std::cos(lat2) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return std::llround(20.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h))));
}

Result<ReportStatus> decode_status_report(simdjson::dom::element body) {
  Body b(body);
  ReportStatus r;
  r.status = b.choice("status", {"available", "travelling", "on_site", "off_duty"}, true);
  if (auto v = b.value("location")) {
    if (!v->is_object()) return Status{Errc::invalid_argument, "\"location\" must be an object {\"lat\", \"lon\"}"};
    double lat, lon;
    if ((*v)["lat"].get_double().get(lat) || (*v)["lon"].get_double().get(lon))
      return Status{Errc::invalid_argument, "\"location\" must be an object with numbers \"lat\" and \"lon\""};
    r.location = location_from_json(*v);
    if (!r.location) return Status{Errc::unprocessable, "\"location\" must be within lat -90..90 and lon -180..180"};
  }
  if (!b.status()) return b.status();
  return r;
}

Decision decide_status_report(const EngineerStatusState&, const ReportStatus& c, Timestamp now) {
  // Every report is an event, even an unchanged one: it says the engineer was heard from.
  JsonWriter w;
  w.begin_object().field("status", c.status).key("location");
  if (c.location) w.raw(location_json(*c.location));
  else w.null();
  w.end_object();
  return std::vector<Event>{Event{"reported", 1, w.take(), now}};
}

std::string engineer_status_to_json(const EngineerStatusState& s) {
  JsonWriter w;
  w.begin_object().field("status", s.status).key("location");
  if (s.location) w.raw(location_json(*s.location));
  else w.null();
  w.field("reported_at", format_rfc3339(s.reported_at)).end_object();
  return w.take();
}

namespace {

Status apply(EngineerStatusState& s, std::string_view, const Event& e) {
  if (e.name != "reported") return {Errc::corruption, "engineer_status: unknown event " + e.name};
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, e.data);
  if (!root) return {Errc::corruption, "engineer_status: " + root.status().message()};
  Fields f(*root);
  s.exists = true;
  s.status = f.str("status");
  if (auto l = f.object("location")) {
    s.location = location_from_json(*l);
    if (!s.location) return {Errc::corruption, "engineer_status: bad location"};
  }
  if (!f.ok() || s.status.empty()) return {Errc::corruption, "engineer_status: malformed data"};
  s.reported_at = e.time;
  return Status::ok();
}

using State = StateOf<EngineerStatusState, apply, engineer_status_to_json>;

std::vector<Event> example(uint64_t seed) {
  std::vector<Event> events;
  const char* statuses[] = {"available", "travelling", "on_site", "off_duty"};
  for (uint64_t n = 0; n < 4; ++n) {
    ReportStatus r{statuses[(seed + n) % 4], std::nullopt};
    if ((seed >> n) & 1) r.location = Location{static_cast<int64_t>(39'000'000 + seed * 1000 + n), 116'300'000};
    auto d = decide_status_report({}, r, Timestamp{1'700'000'000'000 + static_cast<int64_t>(n) * 60'000});
    for (Event& e : std::get<std::vector<Event>>(d)) events.push_back(std::move(e));
  }
  return events;
}

const KindSpec kSpec{
    .name = "engineer_status",
    .topic = "aftercare.master",
    .events = {{"reported"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      thread_local simdjson::dom::parser parser;
      auto root = parse_strict(parser, json);
      if (!root) return Status{Errc::corruption, "engineer_status state: " + root.status().message()};
      Fields f(*root);
      EngineerStatusState s;
      s.exists = true;
      s.status = f.str("status");
      if (auto l = f.object("location")) s.location = location_from_json(*l);
      auto at = f.time("reported_at");
      if (!f.ok() || !at) return Status{Errc::corruption, "engineer_status state is malformed"};
      s.reported_at = *at;
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s)));
    },
    .partition_key = nullptr,
    .master = nullptr,
    .example = example,
};

}  // namespace

const EngineerStatusState& engineer_status_state(const AggregateState* state) {
  static const EngineerStatusState none;
  return state ? static_cast<const State*>(state)->value : none;
}

AggregateKind engineer_status_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
