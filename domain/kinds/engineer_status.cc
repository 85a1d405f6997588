// The engineer's live status as a registered aggregate kind (domain/engineer_status.h).
#include "domain/body.h"
#include "domain/engineer_status.h"
#include "domain/json.h"
#include "domain/master_data.h"

namespace aftercare {

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
