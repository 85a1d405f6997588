#include "projections/request_views.h"

#include <set>
#include <tuple>

#include "domain/json.h"
#include "projections/view_row.h"

namespace aftercare {

std::string key_part(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '/') out += "%2F";
    else if (c == '%') out += "%25";
    else out.push_back(c);
  }
  return out;
}

std::string hex16(uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = kHex[v & 0xf];
  return s;
}

std::string newest_first(Timestamp t) { return hex16(~static_cast<uint64_t>(t.ms)); }

namespace {

std::set<std::string> index_keys(const RequestState& s) {
  std::set<std::string> keys;
  if (!s.exists) return keys;
  const std::string tail = "/" + newest_first(s.opened_at) + "/" + s.id;
  keys.insert("idx/all/-" + tail);
  keys.insert("idx/status/" + std::string(status_name(s.status)) + tail);
  keys.insert("idx/type/" + key_part(s.type) + tail);
  keys.insert("idx/region/" + key_part(s.region) + tail);
  keys.insert("idx/customer/" + key_part(s.customer_id) + tail);
  if (!s.engineer_id.empty()) keys.insert("idx/engineer/" + key_part(s.engineer_id) + tail);
  return keys;
}

// The deadlines a request in state `s` is waiting for.
std::set<std::string> deadline_keys(const RequestState& s) {
  std::set<std::string> keys;
  if (!s.exists) return keys;
  const bool waiting = s.status == RequestStatus::awaiting_assignment || s.status == RequestStatus::assigned;
  if (waiting && s.required_by && !s.overdue)
    keys.insert("due/" + hex16(static_cast<uint64_t>(s.required_by->ms)) + "/" + s.id + "/required_by");
  if (s.complaint && !s.complaint->overdue && is_open(s.status))
    keys.insert("due/" + hex16(static_cast<uint64_t>(s.complaint->respond_by.ms)) + "/" + s.id + "/respond_by");
  return keys;
}

void replace_keys(ProjectionTxn& txn, const std::set<std::string>& before, const std::set<std::string>& after) {
  for (const auto& k : before)
    if (!after.count(k)) txn.del(k);
  for (const auto& k : after)
    if (!before.count(k)) txn.put(k, "");
}

Result<EventTypeName> request_event(const StoredEvent& ev) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  if (type->aggregate != "request") return Status{Errc::corruption, "not a request event: " + ev.envelope.type};
  return type;
}

}  // namespace

Status RequestsProjection::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = request_event(ev);
  if (!type) return type.status();
  const std::string& id = ev.envelope.aggregate_id;
  const std::string view_key = "view/" + id;
  RequestState before;
  if (auto row = txn.get(view_key)) {
    auto view = split_view(*row);
    if (!view) return {Errc::corruption, "request view row " + view_key};
    auto state = request_from_json(view->state);
    if (!state) return state.status();
    before = std::move(state).value();
  }
  RequestState after = before;
  const Event e{type->event, type->version, ev.envelope.data, ev.envelope.time};
  if (Status s = apply_request(after, id, e); !s) return s;
  txn.put(view_key, view_json(request_to_json(after), ev.envelope.sequence));
  replace_keys(txn, index_keys(before), index_keys(after));
  replace_keys(txn, deadline_keys(before), deadline_keys(after));
  const bool was_open = before.exists && is_open(before.status);
  if (was_open != is_open(after.status)) txn.add("open/" + key_part(after.customer_id), was_open ? -1 : 1);
  return Status::ok();
}

Status ProblemStatsProjection::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = request_event(ev);
  if (!type) return type.status();
  if (type->event != "opened") return Status::ok();
  RequestState s;
  if (Status st = apply_request(s, ev.envelope.aggregate_id, {type->event, type->version, ev.envelope.data, ev.envelope.time}); !st)
    return st;
  const std::string day = format_rfc3339(ev.envelope.time).substr(0, 10);  // YYYY-MM-DD, UTC
  txn.add("p/" + key_part(s.product_model) + "/" + key_part(s.problem_code) + "/" + day, 1);
  return Status::ok();
}

std::optional<CommandRecord> decode_command_record(std::string_view row) {
  thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
  auto doc = parse_strict(parser, row);
  CommandRecord r;
  std::string_view subject, first_id;
  if (!doc || (*doc)["subject"].get_string().get(subject) || (*doc)["first"].get_uint64().get(r.first) ||
      (*doc)["last"].get_uint64().get(r.last) || (*doc)["first_id"].get_string().get(first_id))
    return std::nullopt;
  r.subject = subject;
  r.first_id = first_id;
  return r;
}

Status EventIndexProjection::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  const Envelope& e = ev.envelope;
  txn.put("e/" + key_part(e.subject) + "/" + hex16(e.sequence),
          std::string(topic_name(ev.at.topic)) + "/" + std::to_string(ev.at.partition) + "/" +
              std::to_string(ev.at.offset));
  const std::string cmd_key = "c/" + key_part(e.command_id);
  JsonWriter w;
  w.begin_object().field("subject", e.subject);
  if (auto row = txn.get(cmd_key); row && row->find("\"subject\":") != std::string::npos) {
    // A later event of the same command extends its range.
    thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
    auto doc = parse_strict(parser, *row);
    uint64_t first = 0;
    std::string_view first_id;
    if (!doc || (*doc)["first"].get_uint64().get(first) || (*doc)["first_id"].get_string().get(first_id))
      return {Errc::corruption, "command row " + cmd_key};
    w.key("first").uinteger(first).key("last").uinteger(e.sequence).field("first_id", first_id);
  } else {
    w.key("first").uinteger(e.sequence).key("last").uinteger(e.sequence).field("first_id", e.id);
  }
  txn.put(cmd_key, w.end_object().str());
  return Status::ok();
}

}  // namespace aftercare
