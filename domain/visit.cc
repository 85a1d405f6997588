// The visit aggregate: canonical JSON, decide() and apply().
#include "domain/visit.h"

#include <algorithm>

#include "domain/body.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/overloaded.h"

namespace aftercare {
namespace {

Status corrupt(const std::string& what) { return {Errc::corruption, "visit: " + what}; }

void text_or_null(JsonWriter& w, std::string_view k, const std::string& v) {
  w.key(k);
  if (v.empty()) w.null();
  else w.string(v);
}

void time_or_null(JsonWriter& w, std::string_view k, const std::optional<Timestamp>& t) {
  w.key(k);
  if (t) w.string(format_rfc3339(*t));
  else w.null();
}

void strings(JsonWriter& w, std::string_view k, const std::vector<std::string>& items) {
  w.key(k).begin_array();
  for (const auto& s : items) w.string(s);
  w.end_array();
}

void part_lines(JsonWriter& w, std::string_view k, const std::vector<PartLine>& lines) {
  w.key(k).begin_array();
  for (const PartLine& p : lines) w.begin_object().field("part_no", p.part_no).field_int("qty", p.qty).end_object();
  w.end_array();
}

Status read_part_lines(simdjson::dom::element root, const char* k, std::vector<PartLine>& out) {
  simdjson::dom::array a;
  if (root[k].get_array().get(a)) return corrupt(std::string(k) + " is not an array");
  for (auto item : a) {
    Fields f(item);
    PartLine p{f.str("part_no"), f.integer("qty")};
    if (!f.ok()) return corrupt("malformed part line");
    out.push_back(std::move(p));
  }
  return Status::ok();
}

void write_signature(JsonWriter& w, const std::string& name, const std::optional<Timestamp>& at) {
  w.key("customer_signature");
  if (name.empty()) {
    w.null();
    return;
  }
  w.begin_object().field("name", name);
  time_or_null(w, "signed_at", at);
  w.end_object();
}

Status read_signature(simdjson::dom::element root, VisitState& s) {
  simdjson::dom::element sig;
  if (root["customer_signature"].get(sig) || sig.is_null()) return Status::ok();
  Fields f(sig);
  s.signed_by = f.str("name");
  s.signed_at = f.time("signed_at");
  return f.ok() ? Status::ok() : corrupt("malformed signature");
}

void write_used_part(JsonWriter& w, const UsedPart& p, bool with_issue) {
  w.begin_object().field_int("line", p.line).field("part_no", p.part_no).field("warehouse_id", p.warehouse_id);
  w.field_int("qty", p.qty);
  strings(w, "serials_installed", p.serials_installed);
  strings(w, "serials_removed", p.serials_removed);
  if (with_issue) {
    w.field("issue", p.issue);
    text_or_null(w, "refusal", p.refusal);
  }
  w.end_object();
}

Result<UsedPart> read_used_part(simdjson::dom::element e, bool with_issue) {
  Fields f(e);
  UsedPart p;
  p.line = f.integer("line");
  p.part_no = f.str("part_no");
  p.warehouse_id = f.str("warehouse_id");
  p.qty = f.integer("qty");
  p.serials_installed = f.strings("serials_installed");
  p.serials_removed = f.strings("serials_removed");
  if (with_issue) {
    p.issue = f.str("issue");
    p.refusal = f.str("refusal");
  }
  if (!f.ok()) return corrupt("malformed part line");
  return p;
}

// The members an opened event and the state share.
void write_opening(JsonWriter& w, const OpenVisit& c) {
  w.field("request_id", c.request_id).field("dispatch_id", c.dispatch_id).field("engineer_id", c.engineer_id);
  text_or_null(w, "outlet_id", c.outlet_id);
  w.field("region", c.region).field("customer_id", c.customer_id).field("type", c.type);
  text_or_null(w, "serial_no", c.serial_no);
  text_or_null(w, "product_model", c.product_model);
  text_or_null(w, "parts_warehouse_id", c.parts_warehouse_id);
}

void read_opening(Fields& f, VisitState& s) {
  s.request_id = f.str("request_id");
  s.dispatch_id = f.str("dispatch_id");
  s.engineer_id = f.str("engineer_id");
  s.outlet_id = f.str("outlet_id");
  s.region = f.str("region");
  s.customer_id = f.str("customer_id");
  s.type = f.str("type");
  s.serial_no = f.str("serial_no");
  s.product_model = f.str("product_model");
  s.parts_warehouse_id = f.str("parts_warehouse_id");
}

Event event(const char* name, JsonWriter& w, Timestamp now) { return Event{name, 1, w.take(), now}; }

Rejection illegal(const VisitState& s, std::string_view action) {
  return {Errc::conflict, "cannot " + std::string(action) + " a visit that is " + std::string(visit_status_name(s.status)),
          std::string(visit_status_name(s.status))};
}

Decision use_parts(const VisitState& s, const UseParts& c, Timestamp now) {
  if (s.status != VisitStatus::open) return illegal(s, "record parts on");
  if (static_cast<int64_t>(s.parts.size()) >= kMaxVisitPartLines)
    return Rejection{Errc::unprocessable, "a visit records at most 100 part lines", ""};
  UsedPart p{static_cast<int64_t>(s.parts.size()) + 1, c.part_no, c.warehouse_id, c.qty, c.serials_installed, c.serials_removed, "pending", ""};
  JsonWriter w;
  write_used_part(w, p, false);
  return std::vector<Event>{event("parts_used", w, now)};
}

Decision settle_issue(const VisitState& s, const SettleIssue& c, Timestamp now) {
  if (c.line < 1 || c.line > static_cast<int64_t>(s.parts.size())) return std::vector<Event>{};
  const UsedPart& p = s.parts[static_cast<size_t>(c.line - 1)];
  if (p.issue != "pending") return std::vector<Event>{};  // settled already: a repeated answer
  JsonWriter w;
  w.begin_object().field_int("line", p.line).field("part_no", p.part_no).field("warehouse_id", p.warehouse_id);
  w.field_int("qty", p.qty);
  if (!c.issued) w.field("reason", c.refusal);
  w.end_object();
  return std::vector<Event>{event(c.issued ? "part_issued" : "part_refused", w, now)};
}

Decision complete(const VisitState& s, const CompleteVisit& c, Timestamp now) {
  if (s.status != VisitStatus::open) return illegal(s, "complete");
  const bool needs_parts = c.outcome == "needs_parts";
  if (needs_parts && c.parts_needed.empty())
    return Rejection{Errc::unprocessable, "\"parts_needed\" is required when the outcome is needs_parts", ""};
  if (!needs_parts && !c.parts_needed.empty())
    return Rejection{Errc::unprocessable, "\"parts_needed\" goes only with the outcome needs_parts", ""};
  if (needs_parts && s.parts_warehouse_id.empty())
    return Rejection{Errc::unprocessable,
                     "the dispatch has no warehouse to receive the parts at: its engineer has no van and its outlet no warehouse", ""};
  JsonWriter w;
  w.begin_object().field("request_id", s.request_id).field("dispatch_id", s.dispatch_id);
  w.field("engineer_id", s.engineer_id);
  text_or_null(w, "outlet_id", s.outlet_id);
  w.field("outcome", c.outcome).field_int("work_minutes", c.work_minutes);
  text_or_null(w, "actual_problem_code", c.actual_problem_code);
  w.field("notes", c.notes);
  write_signature(w, c.signed_by, c.signed_at);
  part_lines(w, "parts_needed", c.parts_needed);
  text_or_null(w, "parts_warehouse_id", s.parts_warehouse_id);
  w.key("charge");
  write_charge(w, c.charge);
  w.end_object();
  return std::vector<Event>{event("completed", w, now)};
}

Decision part_available(const VisitState& s, const NeededPartAvailable& c, Timestamp now) {
  const bool needed = std::any_of(s.parts_needed.begin(), s.parts_needed.end(), [&](const PartLine& p) { return p.part_no == c.part_no; });
  if (s.status != VisitStatus::completed || s.parts_ready || !needed ||
      std::find(s.parts_available.begin(), s.parts_available.end(), c.part_no) != s.parts_available.end())
    return std::vector<Event>{};
  JsonWriter w;
  w.begin_object().field("part_no", c.part_no).field("warehouse_id", s.parts_warehouse_id).end_object();
  std::vector<Event> events{event("part_available", w, now)};
  if (s.parts_available.size() + 1 == s.parts_needed.size()) {
    JsonWriter r;
    r.begin_object().field("request_id", s.request_id).field("warehouse_id", s.parts_warehouse_id);
    part_lines(r, "parts", s.parts_needed);
    r.end_object();
    events.push_back(event("parts_ready", r, now));
  }
  return events;
}

}  // namespace

std::string_view visit_status_name(VisitStatus s) { return s == VisitStatus::open ? "open" : "completed"; }

std::string_view request_outcome_of(std::string_view o) {
  if (o == "fixed" || o == "no_fault_found") return "resolved";
  if (o == "not_fixed") return "unresolved";
  return "";
}

std::string visit_to_json(const VisitState& s) {
  JsonWriter w;
  w.begin_object().field("id", s.id).field("status", visit_status_name(s.status));
  OpenVisit o{s.request_id, s.dispatch_id, s.engineer_id, s.outlet_id, s.region, s.customer_id, s.type,
              s.serial_no,  s.product_model, s.parts_warehouse_id};
  write_opening(w, o);
  w.key("parts").begin_array();
  for (const UsedPart& p : s.parts) write_used_part(w, p, true);
  w.end_array();
  text_or_null(w, "outcome", s.outcome);
  w.field_int("work_minutes", s.work_minutes);
  text_or_null(w, "actual_problem_code", s.actual_problem_code);
  w.field("notes", s.notes);
  write_signature(w, s.signed_by, s.signed_at);
  part_lines(w, "parts_needed", s.parts_needed);
  strings(w, "parts_available", s.parts_available);
  w.field_bool("parts_ready", s.parts_ready).key("charge");
  if (s.charge) write_charge(w, *s.charge);
  else w.null();
  w.field("opened_at", format_rfc3339(s.opened_at));
  time_or_null(w, "completed_at", s.completed_at);
  w.field("updated_at", format_rfc3339(s.updated_at)).end_object();
  return w.take();
}

Result<VisitState> visit_from_json(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  if (!root) return corrupt(root.status().message());
  Fields f(*root);
  VisitState s;
  s.exists = true;
  s.id = f.str("id");
  s.status = f.str("status") == "completed" ? VisitStatus::completed : VisitStatus::open;
  read_opening(f, s);
  s.outcome = f.str("outcome");
  s.work_minutes = f.integer("work_minutes");
  s.actual_problem_code = f.str("actual_problem_code");
  s.notes = f.str("notes");
  s.parts_available = f.strings("parts_available");
  s.parts_ready = f.boolean("parts_ready");
  s.opened_at = f.time("opened_at").value_or(Timestamp{});
  s.completed_at = f.time("completed_at");
  s.updated_at = f.time("updated_at").value_or(Timestamp{});
  if (!f.ok()) return corrupt("bad stored state");
  if (Status st = read_signature(*root, s); !st) return st;
  if (Status st = read_part_lines(*root, "parts_needed", s.parts_needed); !st) return st;
  simdjson::dom::array parts;
  if ((*root)["parts"].get_array().get(parts)) return corrupt("parts is not an array");
  for (auto p : parts) {
    auto used = read_used_part(p, true);
    if (!used) return used.status();
    s.parts.push_back(std::move(used).value());
  }
  simdjson::dom::element charge;
  if (!(*root)["charge"].get(charge) && !charge.is_null()) {
    auto c = read_charge(charge);
    if (!c) return c.status();
    s.charge = std::move(c).value();
  }
  return s;
}

Status apply_visit(VisitState& s, std::string_view id, const Event& e) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, e.data);
  if (!root) return corrupt(e.name + ": " + root.status().message());
  Fields f(*root);
  if (e.name != "opened" && !s.exists) return corrupt(e.name + " before opened");
  if (e.name == "opened") {
    if (s.exists) return corrupt("opened twice");
    s.exists = true;
    s.id = id;
    read_opening(f, s);
    s.opened_at = e.time;
  } else if (e.name == "parts_used") {
    auto p = read_used_part(*root, false);
    if (!p) return p.status();
    if (p->line != static_cast<int64_t>(s.parts.size()) + 1) return corrupt("a part line out of order");
    s.parts.push_back(std::move(p).value());
  } else if (e.name == "part_issued" || e.name == "part_refused") {
    const int64_t line = f.integer("line");
    if (line < 1 || line > static_cast<int64_t>(s.parts.size())) return corrupt("a settled line that was not used");
    UsedPart& p = s.parts[static_cast<size_t>(line - 1)];
    p.issue = e.name == "part_issued" ? "issued" : "refused";
    if (e.name == "part_refused") p.refusal = f.str("reason");
  } else if (e.name == "completed") {
    s.status = VisitStatus::completed;
    s.outcome = f.str("outcome");
    s.work_minutes = f.integer("work_minutes");
    s.actual_problem_code = f.str("actual_problem_code");
    s.notes = f.str("notes");
    if (Status st = read_signature(*root, s); !st) return st;
    if (Status st = read_part_lines(*root, "parts_needed", s.parts_needed); !st) return st;
    simdjson::dom::element charge;
    if ((*root)["charge"].get(charge)) return corrupt("completed without its charge");
    auto c = read_charge(charge);
    if (!c) return c.status();
    s.charge = std::move(c).value();
    s.completed_at = e.time;
  } else if (e.name == "part_available") {
    s.parts_available.push_back(f.str("part_no"));
  } else if (e.name == "parts_ready") {
    s.parts_ready = true;
  } else {
    return corrupt("unknown event " + e.name);
  }
  if (!f.ok()) return corrupt(e.name + ": malformed data");
  s.updated_at = e.time;
  return Status::ok();
}

Decision decide_visit(const VisitState& s, const std::string& id, const VisitCommand& cmd, Timestamp now) {
  if (!s.exists && !std::holds_alternative<OpenVisit>(cmd)) return Rejection{Errc::not_found, "no such visit", ""};
  return std::visit(Overloaded{
                        [&](const OpenVisit& c) -> Decision {
                          if (s.exists) return std::vector<Event>{};  // opened already: the arrive was repeated
                          (void)id;
                          JsonWriter w;
                          w.begin_object();
                          write_opening(w, c);
                          w.end_object();
                          return std::vector<Event>{event("opened", w, now)};
                        },
                        [&](const UseParts& c) { return use_parts(s, c, now); },
                        [&](const SettleIssue& c) { return settle_issue(s, c, now); },
                        [&](const CompleteVisit& c) { return complete(s, c, now); },
                        [&](const NeededPartAvailable& c) { return part_available(s, c, now); },
                    },
                    cmd);
}

namespace {

Status serials(Body& b, const char* k, std::vector<std::string>& out) {
  auto v = b.value(k);
  if (!v) return Status::ok();
  simdjson::dom::array a;
  const std::string what = "\"" + std::string(k) + "\" must be an array of serial numbers";
  if (v->get_array().get(a)) return Status{Errc::invalid_argument, what};
  if (a.size() > kMaxListItems) return Status{Errc::unprocessable, "\"" + std::string(k) + "\" has too many items"};
  for (auto item : a) {
    std::string_view s;
    if (item.get_string().get(s)) return Status{Errc::invalid_argument, what};
    if (!valid_id(s)) return Status{Errc::unprocessable, "\"" + std::string(k) + "\" holds an invalid serial number"};
    if (std::find(out.begin(), out.end(), s) != out.end())
      return Status{Errc::unprocessable, "\"" + std::string(k) + "\" names serial \"" + std::string(s) + "\" twice"};
    out.emplace_back(s);
  }
  return Status::ok();
}

}  // namespace

Result<UseParts> decode_use_parts(simdjson::dom::element body) {
  Body b(body);
  UseParts u;
  u.part_no = b.id("part_no", true);
  u.qty = b.integer("qty", true, 1, 10'000);
  u.warehouse_id = b.id("warehouse_id", false);
  if (!b.status()) return b.status();
  if (Status s = serials(b, "serials_installed", u.serials_installed); !s) return s;
  if (Status s = serials(b, "serials_removed", u.serials_removed); !s) return s;
  if (static_cast<int64_t>(u.serials_installed.size()) > u.qty)
    return Status{Errc::unprocessable, "more \"serials_installed\" than \"qty\" parts"};
  return u;
}

Result<CompleteVisit> decode_complete_visit(simdjson::dom::element body) {
  Body b(body);
  CompleteVisit c;
  c.outcome = b.choice("outcome", {"fixed", "not_fixed", "needs_parts", "no_fault_found"}, true, "");
  c.work_minutes = b.integer("work_minutes", false, 0, kMaxWorkMinutes);
  c.actual_problem_code = b.id("actual_problem_code", false);
  c.notes = b.text("notes", false, kMaxLongText);
  if (auto sig = b.object("customer_signature", false)) {
    c.signed_by = sig->text("name", true);
    c.signed_at = sig->time("signed_at", true);
    b.absorb(*sig);
  }
  if (!b.status()) return b.status();
  if (auto v = b.value("parts_needed")) {
    simdjson::dom::array parts;
    const Status shape{Errc::invalid_argument, "\"parts_needed\" must be an array of {\"part_no\", \"qty\"}"};
    if (v->get_array().get(parts)) return shape;
    if (parts.size() > kMaxListItems) return Status{Errc::unprocessable, "\"parts_needed\" has too many items"};
    for (auto item : parts) {
      if (!item.is_object()) return shape;
      Body line(item);
      PartLine p{line.id("part_no", true), line.integer("qty", true, 1, 10'000)};
      if (!line.status()) return line.status();
      for (const PartLine& q : c.parts_needed)
        if (q.part_no == p.part_no) return Status{Errc::unprocessable, "\"parts_needed\" names " + p.part_no + " twice"};
      c.parts_needed.push_back(std::move(p));
    }
  }
  return c;
}

}  // namespace aftercare
