#include "projections/visit_views.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "domain/json.h"
#include "domain/kind.h"
#include "domain/visit.h"
#include "projections/request_views.h"
#include "projections/view_row.h"

namespace aftercare {

std::string settlement_prefix(std::string_view outlet_id, std::string_view month) {
  return "line/" + key_part(outlet_id) + "/" + std::string(month) + "/";
}

std::string settlement_sum_key(std::string_view outlet_id, std::string_view month, std::string_view total) {
  return "sum/" + key_part(outlet_id) + "/" + std::string(month) + "/" + std::string(total);
}

std::string demand_prefix(std::string_view part_no, std::string_view month) {
  return "demand/" + key_part(part_no) + "/" + std::string(month) + "/";
}

namespace {

Result<std::string> view_state(ProjectionTxn& txn, const std::string& key) {
  auto row = txn.get(key);
  if (!row) return std::string();
  auto v = split_view(*row);
  if (!v) return Status{Errc::corruption, "malformed visit row " + key};
  return std::move(v->state);
}

// The settlement line of a completed visit: what the outlet earns, what the
// customer pays and why, and the event it comes from.
std::string settlement_line(const VisitState& v, const StoredEvent& ev) {
  const Charge& c = *v.charge;
  JsonWriter w;
  w.begin_object().field("visit_id", v.id).field("request_id", v.request_id).field("dispatch_id", v.dispatch_id);
  w.field("engineer_id", v.engineer_id).field("type", c.dispatch_type).field("outcome", v.outcome);
  w.field("completed_at", format_rfc3339(ev.envelope.time)).field_int("fee", c.outlet_fee);
  w.field("charge_method", c.method).field("charge_basis", c.basis).field_int("labour", c.labour);
  w.field_int("parts_value", c.parts_value).field_int("parts_charged", c.parts_charged);
  w.field_int("customer_charge", c.total).key("parts").begin_array();
  for (const ChargedPart& p : c.parts)
    w.begin_object().field("part_no", p.part_no).field_int("qty", p.qty).field_int("unit_price", p.unit_price)
        .field_int("amount", p.amount).end_object();
  w.end_array().key("source").begin_object().field("event_id", ev.envelope.id).field("subject", ev.envelope.subject);
  w.key("sequence").uinteger(ev.envelope.sequence).end_object();
  return w.end_object().take();
}

void add_totals(ProjectionTxn& txn, const VisitState& v, std::string_view month) {
  const Charge& c = *v.charge;
  auto add = [&](std::string_view total, int64_t n) {
    if (n) txn.add(settlement_sum_key(v.outlet_id, month, total), n);
  };
  add("visits", 1);
  add("fees", c.outlet_fee);
  if (c.dispatch_type == "on_site" || c.dispatch_type == "installation" || c.dispatch_type == "phone")
    add("fee:" + c.dispatch_type, c.outlet_fee);
  add("labour", c.labour);
  add("parts_value", c.parts_value);
  add("parts_charged", c.parts_charged);
  add("customer_charges", c.total);
  add("warranty_visits", c.method == "warranty" ? 1 : 0);
}

}  // namespace

Status VisitViews::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  if (type->aggregate != visit_kind().name()) return Status::ok();
  const std::string& id = ev.envelope.aggregate_id;
  const std::string key = "view/" + key_part(id);
  auto before = view_state(txn, key);
  if (!before) return before.status();
  auto after = fold(visit_kind(), id, *before, Event{type->event, type->version, ev.envelope.data, ev.envelope.time});
  if (!after) return after.status();
  txn.put(key, view_json(*after, ev.envelope.sequence));
  const std::string& data = ev.envelope.data;
  const std::string when = format_rfc3339(ev.envelope.time);
  if (type->event == "opened") {
    const std::string request = key_part(string_member(data, "request_id"));
    txn.put("req/" + request + "/" + key_part(id), "");
    if (decode_counter(txn.get("nvisits/" + request).value_or("")) == 0) txn.put("first/" + key_part(id), "");
    txn.add("nvisits/" + request, 1);
  }
  if (type->event == "part_issued") {
    const std::string region = string_member(*after, "region");
    txn.add(demand_prefix(string_member(data, "part_no"), when.substr(0, 7)) + key_part(region),
            int_member(data, "qty").value_or(0));
  }
  if (type->event == "completed") {
    auto v = visit_from_json(*after);
    if (!v) return v.status();
    if (txn.get("first/" + key_part(id))) {
      const std::string day = "hit/" + key_part(v->region) + "/" + when.substr(0, 10) + "/";
      txn.add(day + "first", 1);
      const bool refused = std::any_of(v->parts.begin(), v->parts.end(), [](const UsedPart& p) { return p.issue == "refused"; });
      if (v->outcome != "needs_parts" && !refused) txn.add(day + "hit", 1);
    }
    if (v->outlet_id.empty() || !v->charge) return Status::ok();  // no outlet to settle with
    const std::string month = format_rfc3339(ev.envelope.time).substr(0, 7);
    char ms[24];
    std::snprintf(ms, sizeof ms, "%015" PRId64, ev.envelope.time.ms);
    txn.put(settlement_prefix(v->outlet_id, month) + ms + "/" + key_part(id), settlement_line(*v, ev));
    add_totals(txn, *v, month);
  }
  return Status::ok();
}

}  // namespace aftercare
