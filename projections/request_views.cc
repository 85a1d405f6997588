#include "projections/request_views.h"

#include <algorithm>
#include <vector>

#include "domain/json.h"
#include "eventstore/quarantine.h"
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

std::string key_part_value(std::string_view part) {
  std::string out;
  for (size_t i = 0; i < part.size(); ++i) {
    if (part.substr(i, 3) == "%2F") out.push_back('/'), i += 2;
    else if (part.substr(i, 3) == "%25") out.push_back('%'), i += 2;
    else out.push_back(part[i]);
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

// Every list index holds the request twice: under idx/ for tokens that see
// all regions, and under ridx/<region>/ so that a region-scoped token's page
// reads only rows it may see (a cursor or a short page then tells it nothing
// about other regions).
using Keys = std::vector<std::string>;  // sorted, unique

Keys index_keys(const RequestState& s) {
  Keys keys;
  if (!s.exists) return keys;
  keys.reserve(12);
  const std::string tail = "/" + newest_first(s.opened_at) + "/" + s.id;
  for (const std::string& base : {std::string("idx/"), "ridx/" + key_part(s.region) + "/"}) {
    keys.push_back(base + "all/-" + tail);
    keys.push_back(base + "status/" + std::string(status_name(s.status)) + tail);
    keys.push_back(base + "type/" + key_part(s.type) + tail);
    keys.push_back(base + "region/" + key_part(s.region) + tail);
    keys.push_back(base + "customer/" + key_part(s.customer_id) + tail);
    if (!s.engineer_id.empty()) keys.push_back(base + "engineer/" + key_part(s.engineer_id) + tail);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Counter rows the request contributes 1 to: open requests per customer and
// region, and per engineer and customer; requests assigned to an engineer
// per customer (an engineer may see a customer they have work for).
Keys counter_keys(const RequestState& s) {
  Keys keys;
  if (!s.exists) return keys;
  const std::string customer = key_part(s.customer_id), engineer = key_part(s.engineer_id);
  if (is_open(s.status)) keys.push_back("open/" + customer + "/" + key_part(s.region));
  if (!s.engineer_id.empty()) {
    keys.push_back("work/" + engineer + "/" + customer);
    if (is_open(s.status)) keys.push_back("eopen/" + engineer + "/" + customer);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Calls `gone` for each key only in `before`, `added` for each only in `after`.
template <typename Gone, typename Added>
void diff_keys(const Keys& before, const Keys& after, Gone gone, Added added) {
  auto b = before.begin(), a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && *b < *a)) gone(*b++);
    else if (b == before.end() || *a < *b) added(*a++);
    else ++a, ++b;
  }
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
  diff_keys(index_keys(before), index_keys(after), [&](const std::string& k) { txn.del(k); },
            [&](const std::string& k) { txn.put(k, ""); });
  diff_keys(counter_keys(before), counter_keys(after), [&](const std::string& k) { txn.add(k, -1); },
            [&](const std::string& k) { txn.add(k, 1); });
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
  txn.add("p/" + key_part(s.product_model) + "/" + key_part(s.problem_code) + "/" + day + "/" +
              key_part(s.region), 1);
  return Status::ok();
}

Status EventIndexProjection::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  const Envelope& e = ev.envelope;
  txn.put("e/" + key_part(e.subject) + "/" + hex16(e.sequence), record_name(ev.at));
  // Once per aggregate: the case its partition key names (audit <id>).
  if (e.sequence == 1) txn.put("k/" + key_part(ev.key) + "/" + key_part(e.subject), "");
  return Status::ok();
}

}  // namespace aftercare
