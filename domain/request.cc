// RequestState: names, the canonical JSON of the state, and apply().
#include "domain/request.h"

#include "domain/body.h"
#include "domain/json.h"

namespace aftercare {

namespace {

constexpr std::pair<RequestStatus, std::string_view> kStatusNames[] = {
    {RequestStatus::awaiting_assignment, "awaiting_assignment"},
    {RequestStatus::suspended, "suspended"},
    {RequestStatus::assigned, "assigned"},
    {RequestStatus::locked, "locked"},
    {RequestStatus::processed, "processed"},
    {RequestStatus::closed, "closed"},
    {RequestStatus::cancelled, "cancelled"},
};


void write_optional(JsonWriter& w, std::string_view k, const std::string& v) {
  w.key(k);
  if (v.empty()) w.null();
  else w.string(v);
}

void write_time(JsonWriter& w, std::string_view k, const std::optional<Timestamp>& t) {
  w.key(k);
  if (t) w.string(format_rfc3339(*t));
  else w.null();
}

Status corrupt(const std::string& what) { return {Errc::corruption, "request: " + what}; }

std::optional<Complaint> read_complaint(Fields& f) {
  auto e = f.object("complaint");
  if (!e) return std::nullopt;
  Fields c(*e);
  Complaint out;
  out.level = static_cast<int>(c.integer("level"));
  out.handling_unit = c.str("handling_unit");
  out.respond_by = c.time("respond_by").value_or(Timestamp{});
  simdjson::dom::element overdue;
  if (!e->at_key("overdue").get(overdue)) out.overdue = c.boolean("overdue");
  if (!c.ok()) return Complaint{-1, "", {}, false};
  return out;
}

}  // namespace

std::string_view status_name(RequestStatus s) {
  for (const auto& [st, name] : kStatusNames)
    if (st == s) return name;
  return "unknown";
}

std::optional<RequestStatus> status_from_name(std::string_view name) {
  for (const auto& [st, n] : kStatusNames)
    if (n == name) return st;
  return std::nullopt;
}

bool is_open(RequestStatus s) { return s != RequestStatus::closed && s != RequestStatus::cancelled; }

namespace {

void write_complaint(JsonWriter& w, const std::optional<Complaint>& c, bool with_overdue) {
  w.key("complaint");
  if (!c) {
    w.null();
    return;
  }
  w.begin_object().key("level").integer(c->level).field("handling_unit", c->handling_unit);
  w.field("respond_by", format_rfc3339(c->respond_by));
  if (with_overdue) w.field_bool("overdue", c->overdue);
  w.end_object();
}

}  // namespace

std::string request_to_json(const RequestState& s) {
  JsonWriter w;
  w.begin_object()
      .field("id", s.id)
      .field("status", status_name(s.status))
      .field("type", s.type)
      .field("channel", s.channel)
      .field("customer_id", s.customer_id);
  write_optional(w, "serial_no", s.serial_no);
  write_optional(w, "product_model", s.product_model);
  write_optional(w, "problem_code", s.problem_code);
  w.field("priority", s.priority).field("region", s.region).field("description", s.description);
  write_time(w, "required_by", s.required_by);
  w.field_bool("overdue", s.overdue);
  w.key("attempts").integer(s.attempts);
  write_optional(w, "engineer_id", s.engineer_id);
  write_optional(w, "dispatch_id", s.dispatch_id);
  w.key("dispatches").integer(s.dispatches);
  write_optional(w, "lock_reason", s.lock_reason);
  write_complaint(w, s.complaint, true);
  w.key("suspended_from");
  if (s.suspended_from) w.string(status_name(*s.suspended_from));
  else w.null();
  w.key("suspend_reason");
  if (s.status == RequestStatus::suspended && !s.suspend_reason.empty()) w.string(s.suspend_reason);
  else w.null();
  w.field("opened_at", format_rfc3339(s.opened_at)).field("updated_at", format_rfc3339(s.updated_at));
  w.end_object();
  return w.take();
}

Result<RequestState> request_from_json(std::string_view json) {
  thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
  auto root = parse_strict(parser, json);
  if (!root) return corrupt(root.status().message());
  Fields f(*root);
  RequestState s;
  s.exists = true;
  s.id = f.str("id");
  auto status = status_from_name(f.str("status"));
  s.type = f.str("type");
  s.channel = f.str("channel");
  s.customer_id = f.str("customer_id");
  s.serial_no = f.str("serial_no");
  s.product_model = f.str("product_model");
  s.problem_code = f.str("problem_code");
  s.priority = f.str("priority");
  s.region = f.str("region");
  s.description = f.str("description");
  s.required_by = f.time("required_by");
  s.overdue = f.boolean("overdue");
  s.attempts = static_cast<int>(f.integer("attempts"));
  s.engineer_id = f.str("engineer_id");
  if (f.has("dispatch_id")) {  // snapshots written before dispatches have neither
    s.dispatch_id = f.str("dispatch_id");
    s.dispatches = static_cast<int>(f.integer("dispatches"));
  }
  s.lock_reason = f.str("lock_reason");
  s.complaint = read_complaint(f);
  const std::string from = f.str("suspended_from");
  if (!from.empty()) s.suspended_from = status_from_name(from);
  s.suspend_reason = f.str("suspend_reason");
  s.opened_at = f.time("opened_at").value_or(Timestamp{});
  s.updated_at = f.time("updated_at").value_or(Timestamp{});
  if (!f.ok() || !status || (s.complaint && s.complaint->level < 0)) return corrupt("bad stored state");
  s.status = *status;
  return s;
}

namespace {

Status apply_opened(RequestState& s, const std::string& id, Fields& f) {
  if (s.exists) return corrupt("opened twice");
  s.exists = true;
  s.id = id;
  s.customer_id = f.str("customer_id");
  s.channel = f.str("channel");
  s.type = f.str("type");
  s.serial_no = f.str("serial_no");
  s.product_model = f.str("product_model");
  s.problem_code = f.str("problem_code");
  s.description = f.str("description");
  s.priority = f.str("priority");
  s.region = f.str("region");
  s.required_by = f.time("required_by");
  s.complaint = read_complaint(f);
  if (f.boolean("suspended")) {
    s.status = RequestStatus::suspended;
    s.suspended_from = RequestStatus::awaiting_assignment;
  }
  return Status::ok();
}

// A failed handling attempt: back to assignment, counted — or locked, when
// the event says it locks.
void fail_attempt(RequestState& s, const std::string& lock_reason) {
  s.status = lock_reason.empty() ? RequestStatus::awaiting_assignment : RequestStatus::locked;
  s.lock_reason = lock_reason;
  s.attempts += 1;
  s.engineer_id.clear();
  s.dispatch_id.clear();
}

}  // namespace

Status apply_request(RequestState& s, const std::string& id, const Event& e) {
  thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
  auto root = parse_strict(parser, e.data);
  if (!root) return corrupt(e.name + ": " + root.status().message());
  Fields f(*root);
  if (e.name != "opened" && !s.exists) return corrupt(e.name + " before opened");
  Status st;
  if (e.name == "opened") {
    st = apply_opened(s, id, f);
    s.opened_at = e.time;
  } else if (e.name == "assigned") {
    s.status = RequestStatus::assigned;
    s.engineer_id = f.str("engineer_id");
    s.dispatch_id = f.str("dispatch_id");  // v2; v1 reads as null
    if (!s.dispatch_id.empty()) s.dispatches += 1;
  } else if (e.name == "dispatch_released") {
    if (s.status == RequestStatus::suspended) s.suspended_from = RequestStatus::awaiting_assignment;
    else s.status = RequestStatus::awaiting_assignment;
    s.engineer_id.clear();
    s.dispatch_id.clear();
  } else if (e.name == "suspended") {
    s.suspended_from = s.status;
    s.status = RequestStatus::suspended;
    s.suspend_reason = f.str("reason");
  } else if (e.name == "resumed") {
    s.status = s.suspended_from.value_or(RequestStatus::awaiting_assignment);
    s.suspended_from.reset();
  } else if (e.name == "reported") {
    // v2: a failure that locks says so itself (v1 was followed by `locked`).
    if (f.str("outcome") == "resolved") s.status = RequestStatus::processed;
    else fail_attempt(s, f.str("lock_reason"));
    s.dispatch_id.clear();
  } else if (e.name == "not_attended") {
    fail_attempt(s, f.str("lock_reason"));
    s.overdue = true;
  } else if (e.name == "locked") {
    s.status = RequestStatus::locked;
    s.lock_reason = f.str("reason");
    if (s.lock_reason == "not_assigned_in_time") s.overdue = true;
    s.engineer_id.clear();
  } else if (e.name == "resolved_remotely") {
    s.status = RequestStatus::processed;
  } else if (e.name == "callback_recorded") {
    s.status = f.boolean("satisfied") ? RequestStatus::closed : RequestStatus::awaiting_assignment;
    if (s.status == RequestStatus::awaiting_assignment) s.engineer_id.clear();
  } else if (e.name == "unlocked") {
    s.status = f.str("decision") == "close" ? RequestStatus::closed : RequestStatus::awaiting_assignment;
    s.lock_reason.clear();
  } else if (e.name == "cancelled") {
    s.status = RequestStatus::cancelled;
    s.dispatch_id.clear();
    s.suspended_from.reset();
  } else if (e.name == "complaint_overdue") {
    if (s.complaint) s.complaint->overdue = true;
  } else {
    return corrupt("unknown event " + e.name);
  }
  if (!st) return st;
  if (!f.ok()) return corrupt(e.name + ": malformed data");
  s.updated_at = e.time;
  if (s.status != RequestStatus::suspended) s.suspend_reason.clear();
  return Status::ok();
}

}  // namespace aftercare
