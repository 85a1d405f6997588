// The dispatch aggregate: names, canonical JSON, decide() and apply().
#include "domain/dispatch.h"

#include <algorithm>
#include <charconv>

#include "domain/body.h"
#include "domain/json.h"
#include "domain/overloaded.h"

namespace aftercare {
namespace {

constexpr std::pair<DispatchStatus, std::string_view> kStatusNames[] = {
    {DispatchStatus::offered, "offered"},     {DispatchStatus::accepted, "accepted"},
    {DispatchStatus::en_route, "en_route"},   {DispatchStatus::on_site, "on_site"},
    {DispatchStatus::finished, "finished"},   {DispatchStatus::declined, "declined"},
    {DispatchStatus::cancelled, "cancelled"}, {DispatchStatus::withdrawn, "withdrawn"},
};

Status corrupt(const std::string& what) { return {Errc::corruption, "dispatch: " + what}; }

void write_time(JsonWriter& w, std::string_view k, const std::optional<Timestamp>& t) {
  w.key(k);
  if (t) w.string(format_rfc3339(*t));
  else w.null();
}

void write_text_or_null(JsonWriter& w, std::string_view k, const std::string& v) {
  w.key(k);
  if (v.empty()) w.null();
  else w.string(v);
}

void write_parts(JsonWriter& w, const std::vector<PartLine>& parts) {
  w.key("parts").begin_array();
  for (const PartLine& p : parts) w.begin_object().field("part_no", p.part_no).key("qty").integer(p.qty).end_object();
  w.end_array();
}

void write_strings(JsonWriter& w, std::string_view k, const std::vector<std::string>& items) {
  w.key(k).begin_array();
  for (const auto& s : items) w.string(s);
  w.end_array();
}

Status read_parts_into(simdjson::dom::element root, std::vector<PartLine>& out) {
  simdjson::dom::array a;
  if (root["parts"].get_array().get(a)) return corrupt("parts is not an array");
  for (auto item : a) {
    std::string_view no;
    int64_t qty;
    if (item["part_no"].get_string().get(no) || item["qty"].get_int64().get(qty)) return corrupt("malformed part line");
    out.push_back({std::string(no), qty});
  }
  return Status::ok();
}

// The members an offered event and the state share, with the same names.
Status read_offer(simdjson::dom::element root, Fields& f, DispatchState& s) {
  s.request_id = f.str("request_id");
  s.mode = f.str("mode");
  s.engineer_id = f.str("engineer_id");
  s.outlet_id = f.str("outlet_id");
  s.type = f.str("type");
  s.region = f.str("region");
  s.customer_id = f.str("customer_id");
  s.scheduled_start = f.time("scheduled_start");
  s.scheduled_end = f.time("scheduled_end");
  s.note = f.str("note");
  s.expires_at = f.time("expires_at").value_or(Timestamp{});
  s.passed_over = f.strings("passed_over");
  s.ranking = f.raw("ranking");
  s.parts_warehouse_id = f.str("parts_warehouse_id");
  auto within = parse_iso_duration(f.str("accept_within"));
  if (!within) return corrupt("bad accept_within");
  s.accept_within_ms = *within;
  return read_parts_into(root, s.parts);
}

Rejection illegal(const DispatchState& s, std::string_view action) {
  return {Errc::conflict,
          "cannot " + std::string(action) + " a dispatch that is " + std::string(dispatch_status_name(s.status)),
          std::string(dispatch_status_name(s.status))};
}

Event event(const char* name, JsonWriter& w, Timestamp now) { return Event{name, 1, w.take(), now}; }

Decision offer(const DispatchState& s, const std::string& id, const OfferDispatch& c, Timestamp now) {
  if (s.exists)
    return Rejection{Errc::conflict,
                     "request " + c.request_id + " already has dispatch " + id + " (" +
                         std::string(dispatch_status_name(s.status)) + "); try again once the request follows it",
                     std::string(dispatch_status_name(s.status))};
  if (c.accept_within_ms <= 0 || c.accept_within_ms > kMaxAcceptWithinMs)
    return Rejection{Errc::unprocessable, "\"accept_within\" must be between PT1S and P7D", ""};
  JsonWriter w;
  w.begin_object()
      .field("request_id", c.request_id)
      .field("mode", c.mode)
      .field("engineer_id", c.engineer_id);
  write_text_or_null(w, "outlet_id", c.outlet_id);
  w.field("type", c.type).field("region", c.region).field("customer_id", c.customer_id);
  write_time(w, "scheduled_start", c.scheduled_start);
  write_time(w, "scheduled_end", c.scheduled_end);
  write_parts(w, c.parts);
  write_text_or_null(w, "parts_warehouse_id", c.parts_warehouse_id);
  w.field("note", c.note).field("accept_within", format_iso_duration(c.accept_within_ms));
  w.field("expires_at", format_rfc3339(Timestamp{now.ms + c.accept_within_ms}));
  write_strings(w, "passed_over", c.passed_over);
  w.key("ranking");
  if (c.ranking.empty()) w.null();
  else w.raw(c.ranking);
  w.end_object();
  return std::vector<Event>{Event{"offered", 2, w.take(), now}};
}

JsonWriter reason_data(const std::string& reason, std::string_view by) {
  JsonWriter w;
  w.begin_object().field("reason", reason).field("by", by).end_object();
  return w;
}

JsonWriter empty_data() {
  JsonWriter w;
  w.begin_object().end_object();
  return w;
}

Decision finish(const std::string& outcome, const std::string& notes, int64_t minutes, std::string_view by, Timestamp now) {
  JsonWriter w;
  w.begin_object().field("outcome", outcome).field("notes", notes).key("work_minutes").integer(minutes);
  w.field("by", by).end_object();
  return std::vector<Event>{event("finished", w, now)};
}

// The request moved on by itself: an open dispatch ends with it, as
// finished when the engineer's work was reported, otherwise cancelled.
Decision request_moved_on(const DispatchState& s, const RequestMovedOn& c, Timestamp now) {
  if (!is_open(s.status)) return std::vector<Event>{};
  if (c.because == "reported" && s.status != DispatchStatus::offered)
    return finish(c.outcome, "", c.work_minutes, "request", now);
  JsonWriter w = reason_data("request " + c.because, "request");
  return std::vector<Event>{event("cancelled", w, now)};
}

}  // namespace

std::string_view dispatch_status_name(DispatchStatus s) {
  for (const auto& [v, n] : kStatusNames)
    if (v == s) return n;
  return "unknown";
}

std::optional<DispatchStatus> dispatch_status_from_name(std::string_view name) {
  for (const auto& [v, n] : kStatusNames)
    if (n == name) return v;
  return std::nullopt;
}

bool is_open(DispatchStatus s) {
  return s == DispatchStatus::offered || s == DispatchStatus::accepted || s == DispatchStatus::en_route ||
         s == DispatchStatus::on_site;
}

std::string dispatch_id(std::string_view request_id, int n) { return std::string(request_id) + "." + std::to_string(n); }

std::string request_of_dispatch(std::string_view id) {
  const size_t dot = id.rfind('.');
  return std::string(dot == std::string_view::npos ? id : id.substr(0, dot));
}

std::optional<int64_t> parse_iso_duration(std::string_view t) {
  // P[nD][T[nH][nM][nS]]: the units a shift planner uses; no years or months,
  // whose length depends on the calendar.
  if (t.size() < 3 || t.size() > 32 || t[0] != 'P') return std::nullopt;
  int64_t total = 0;
  bool in_time = false, any = false;
  size_t i = 1;
  std::string_view order = "DHMS";
  size_t last = 0;
  while (i < t.size()) {
    if (t[i] == 'T') {
      if (in_time || i + 1 == t.size()) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    int64_t n = 0;
    auto [p, ec] = std::from_chars(t.data() + i, t.data() + t.size(), n);
    if (ec != std::errc() || p == t.data() + t.size() || n < 0 || n > 10'000'000) return std::nullopt;
    i = static_cast<size_t>(p - t.data());
    const char unit = t[i++];
    const size_t at = order.find(unit);
    if (at == std::string_view::npos || at < last || (unit == 'D') == in_time) return std::nullopt;
    if (any && at == last) return std::nullopt;  // a unit twice
    last = at;
    any = true;
    static constexpr int64_t kMs[] = {86'400'000, 3'600'000, 60'000, 1'000};
    total += n * kMs[at];
  }
  if (!any || total <= 0) return std::nullopt;
  return total;
}

std::string format_iso_duration(int64_t ms) {
  std::string out = "P";
  int64_t s = ms / 1000;
  if (s >= 86400) out += std::to_string(s / 86400) + "D", s %= 86400;
  if (s == 0 && out.size() > 1) return out;
  out += "T";
  if (s >= 3600) out += std::to_string(s / 3600) + "H", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "M", s %= 60;
  if (s > 0 || out == "PT") out += std::to_string(s) + "S";
  return out;
}

std::string dispatch_to_json(const DispatchState& s) {
  JsonWriter w;
  w.begin_object()
      .field("id", s.id)
      .field("request_id", s.request_id)
      .field("status", dispatch_status_name(s.status))
      .field("mode", s.mode)
      .field("engineer_id", s.engineer_id);
  write_text_or_null(w, "outlet_id", s.outlet_id);
  w.field("type", s.type).field("region", s.region).field("customer_id", s.customer_id);
  write_time(w, "scheduled_start", s.scheduled_start);
  write_time(w, "scheduled_end", s.scheduled_end);
  write_parts(w, s.parts);
  write_text_or_null(w, "parts_warehouse_id", s.parts_warehouse_id);
  w.field("note", s.note).field("accept_within", format_iso_duration(s.accept_within_ms));
  w.field("offered_at", format_rfc3339(s.offered_at)).field("expires_at", format_rfc3339(s.expires_at));
  write_time(w, "accepted_at", s.accepted_at);
  write_time(w, "departed_at", s.departed_at);
  write_time(w, "arrived_at", s.arrived_at);
  write_time(w, "ended_at", s.ended_at);
  // Arriving opens the dispatch's visit, which has the dispatch's id (domain/visit.h).
  write_text_or_null(w, "visit_id", s.arrived_at ? s.id : std::string());
  write_text_or_null(w, "outcome", s.outcome);
  write_text_or_null(w, "end_reason", s.end_reason);
  write_strings(w, "passed_over", s.passed_over);
  w.key("ranking");
  if (s.ranking.empty()) w.null();
  else w.raw(s.ranking);
  w.field("updated_at", format_rfc3339(s.updated_at));
  w.end_object();
  return w.take();
}

Result<DispatchState> dispatch_from_json(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  if (!root) return corrupt(root.status().message());
  Fields f(*root);
  DispatchState s;
  s.exists = true;
  s.id = f.str("id");
  auto status = dispatch_status_from_name(f.str("status"));
  if (Status st = read_offer(*root, f, s); !st) return st;
  s.offered_at = f.time("offered_at").value_or(Timestamp{});
  s.accepted_at = f.time("accepted_at");
  s.departed_at = f.time("departed_at");
  s.arrived_at = f.time("arrived_at");
  s.ended_at = f.time("ended_at");
  s.outcome = f.str("outcome");
  s.end_reason = f.str("end_reason");
  s.updated_at = f.time("updated_at").value_or(Timestamp{});
  if (!f.ok() || !status) return corrupt("bad stored state");
  s.status = *status;
  return s;
}

Status apply_dispatch(DispatchState& s, const std::string& id, const Event& e) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, e.data);
  if (!root) return corrupt(e.name + ": " + root.status().message());
  Fields f(*root);
  if (e.name != "offered" && !s.exists) return corrupt(e.name + " before offered");
  if (e.name == "offered") {
    if (s.exists) return corrupt("offered twice");
    s.exists = true;
    s.id = id;
    if (Status st = read_offer(*root, f, s); !st) return st;
    s.offered_at = e.time;
  } else if (e.name == "accepted") {
    s.status = DispatchStatus::accepted;
    s.accepted_at = e.time;
  } else if (e.name == "departed") {
    s.status = DispatchStatus::en_route;
    s.departed_at = e.time;
  } else if (e.name == "arrived") {
    s.status = DispatchStatus::on_site;
    s.arrived_at = e.time;
  } else if (e.name == "finished") {
    s.status = DispatchStatus::finished;
    s.outcome = f.str("outcome");
    s.ended_at = e.time;
  } else if (e.name == "declined" || e.name == "cancelled" || e.name == "withdrawn") {
    s.status = e.name == "declined" ? DispatchStatus::declined
               : e.name == "cancelled" ? DispatchStatus::cancelled
                                       : DispatchStatus::withdrawn;
    s.end_reason = f.str("reason");
    s.ended_at = e.time;
  } else {
    return corrupt("unknown event " + e.name);
  }
  if (!f.ok()) return corrupt(e.name + ": malformed data");
  s.updated_at = e.time;
  return Status::ok();
}

Decision decide_dispatch(const DispatchState& s, const std::string& id, const DispatchCommand& cmd, Timestamp now) {
  if (!s.exists && !std::holds_alternative<OfferDispatch>(cmd) && !std::holds_alternative<RequestMovedOn>(cmd) &&
      !std::holds_alternative<OfferExpired>(cmd))
    return Rejection{Errc::not_found, "no such dispatch", ""};
  return std::visit(
      Overloaded{
          [&](const OfferDispatch& c) { return offer(s, id, c, now); },
          [&](const AcceptDispatch&) -> Decision {
            if (s.status != DispatchStatus::offered) return illegal(s, "accept");
            JsonWriter w = empty_data();
            return std::vector<Event>{event("accepted", w, now)};
          },
          [&](const DeclineDispatch& c) -> Decision {
            if (s.status != DispatchStatus::offered && s.status != DispatchStatus::accepted) return illegal(s, "decline");
            JsonWriter w = reason_data(c.reason, "engineer");
            return std::vector<Event>{event("declined", w, now)};
          },
          [&](const DepartDispatch&) -> Decision {
            if (s.status != DispatchStatus::accepted) return illegal(s, "depart on");
            JsonWriter w = empty_data();
            return std::vector<Event>{event("departed", w, now)};
          },
          [&](const ArriveDispatch&) -> Decision {
            if (s.status != DispatchStatus::en_route) return illegal(s, "arrive on");
            JsonWriter w = empty_data();
            return std::vector<Event>{event("arrived", w, now)};
          },
          [&](const FinishDispatch& c) -> Decision {
            if (s.status != DispatchStatus::on_site) return illegal(s, "finish");
            return finish(c.outcome, c.notes, c.work_minutes, c.by, now);
          },
          [&](const CancelDispatch& c) -> Decision {
            if (!is_open(s.status)) return illegal(s, "cancel");
            JsonWriter w = reason_data(c.reason, "dispatcher");
            return std::vector<Event>{event("cancelled", w, now)};
          },
          [&](const RequestMovedOn& c) -> Decision {
            if (!s.exists) return std::vector<Event>{};
            return request_moved_on(s, c, now);
          },
          [&](const OfferExpired& c) -> Decision {
            // Stale or early: nothing (the timer may fire twice, or after an accept).
            if (!s.exists || s.status != DispatchStatus::offered || s.expires_at != c.due || now < c.due)
              return std::vector<Event>{};
            JsonWriter w;
            w.begin_object().field("reason", "not accepted within " + format_iso_duration(s.accept_within_ms));
            w.field("deadline", format_rfc3339(c.due)).end_object();
            return std::vector<Event>{event("withdrawn", w, now)};
          },
      },
      cmd);
}

Result<DispatchCommand> decode_dispatch_action(std::string_view action, simdjson::dom::element body) {
  Body b(body);
  DispatchCommand cmd;
  if (action == "accept") cmd = AcceptDispatch{};
  else if (action == "decline") cmd = DeclineDispatch{b.text("reason", true)};
  else if (action == "depart") cmd = DepartDispatch{};
  else if (action == "arrive") cmd = ArriveDispatch{};
  else if (action == "finish") {
    FinishDispatch f;
    f.outcome = b.choice("outcome", {"resolved", "unresolved", "not_attended"}, false, "resolved");
    f.notes = b.text("notes", false, kMaxLongText);
    f.work_minutes = b.integer("work_minutes", false, 0, 100000);
    cmd = f;
  } else if (action == "cancel") cmd = CancelDispatch{b.text("reason", true)};
  else return Status{Errc::not_found, "no such action \"" + std::string(action) + "\""};
  if (!b.status()) return b.status();
  return cmd;
}

}  // namespace aftercare
