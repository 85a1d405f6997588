#include "projections/dispatch_views.h"

#include "domain/dispatch.h"
#include "domain/engineer_status.h"
#include "domain/json.h"
#include "domain/kind.h"
#include "domain/master_data.h"
#include "projections/request_views.h"
#include "projections/view_row.h"

namespace aftercare {
namespace {

// The state a view row holds, "" when there is none.
Result<std::string> state_of(ProjectionTxn& txn, const std::string& key) {
  auto old = txn.get(key);
  if (!old) return std::string();
  auto row = split_view(*old);
  if (!row) return Status{Errc::corruption, "malformed view row " + key};
  return std::move(row->state);
}

}  // namespace

Status DispatchViews::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  if (type->aggregate != dispatch_kind().name()) return Status::ok();
  const std::string& id = ev.envelope.aggregate_id;
  const std::string key = "view/" + id;
  auto before = state_of(txn, key);
  if (!before) return before.status();
  auto after = fold(dispatch_kind(), id, *before, Event{type->event, type->version, ev.envelope.data, ev.envelope.time});
  if (!after) return after.status();
  auto was = before->empty() ? Result<DispatchState>(DispatchState{}) : dispatch_from_json(*before);
  auto now = dispatch_from_json(*after);
  if (!was) return was.status();
  if (!now) return now.status();
  txn.put(key, view_json(*after, ev.envelope.sequence));
  const std::string tail = "/" + newest_first(now->offered_at) + "/" + id;
  if (!was->exists) {
    txn.put("list/" + key_part(now->region) + tail, "");
    txn.put("eng/" + key_part(now->engineer_id) + tail, "");
  }
  const bool open_before = was->exists && is_open(was->status), open_now = is_open(now->status);
  if (open_before != open_now) txn.add("open/" + key_part(now->engineer_id), open_now ? 1 : -1);
  return Status::ok();
}

Status EngineerBoard::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  const bool record = type->aggregate == engineer_kind().name(), status = type->aggregate == engineer_status_kind().name();
  if (!record && !status) return Status::ok();
  const std::string& id = ev.envelope.aggregate_id;
  // Where the engineer's board row is: found through the region it was last filed under.
  const std::string where_key = "at/" + key_part(id);
  const std::string region = txn.get(where_key).value_or("");
  std::string row = region.empty() ? std::string() : txn.get("board/" + key_part(region) + "/" + key_part(id)).value_or("");
  thread_local simdjson::dom::parser parser;
  std::string name, outlet, new_region = region, st, location, updated_at;
  if (!row.empty()) {
    auto doc = parse_strict(parser, row);
    if (!doc) return Status{Errc::corruption, "malformed board row of " + id};
    name = string_member(row, "name");
    outlet = string_member(row, "outlet_id");
    st = string_member(row, "status");
    simdjson::dom::element loc;
    if (!(*doc)["location"].get(loc) && loc.is_object())
      if (auto l = location_from_json(loc)) location = location_json(*l);
  }
  if (record) {
    const std::string& fields = ev.envelope.data;
    name = string_member(fields, "name");
    outlet = string_member(fields, "outlet_id");
    new_region = string_member(fields, "region");
    if (location.empty())
      if (auto l = location_member(fields, "location")) location = location_json(*l);
  } else {
    st = string_member(ev.envelope.data, "status");
    if (auto l = location_member(ev.envelope.data, "location")) location = location_json(*l);
    updated_at = format_rfc3339(ev.envelope.time);
  }
  if (!row.empty() && updated_at.empty()) updated_at = string_member(row, "updated_at");
  if (new_region.empty()) {  // a status before the record: kept until the record files it
    new_region = "-";
  }
  JsonWriter w;
  w.begin_object().field("engineer_id", id).field("name", name).field("region", new_region == "-" ? "" : new_region);
  w.key("outlet_id");
  if (outlet.empty()) w.null();
  else w.string(outlet);
  w.field("status", st.empty() ? "unknown" : st).key("location");
  if (location.empty()) w.null();
  else w.raw(location);
  w.key("updated_at");
  if (updated_at.empty()) w.null();
  else w.string(updated_at);
  w.end_object();
  if (!region.empty() && region != new_region) txn.del("board/" + key_part(region) + "/" + key_part(id));
  txn.put("board/" + key_part(new_region) + "/" + key_part(id), w.take());
  txn.put(where_key, new_region);
  return Status::ok();
}

}  // namespace aftercare
