#include "projections/master_view.h"

#include "domain/kind.h"
#include "domain/master_data.h"
#include "domain/json.h"
#include "projections/request_views.h"
#include "projections/view_row.h"

namespace aftercare {

Status MasterView::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  auto kind = kind_named(type->aggregate);
  if (!kind) return {Errc::corruption, "unknown aggregate kind " + type->aggregate};
  const MasterSpec* master = kind->master();
  if (!master) return Status::ok();  // another kind's events on this topic: not a master record
  const std::string key = type->aggregate + "/" + ev.envelope.aggregate_id;
  // Upserts replace the record whole, but a lifecycle event (an outlet's
  // certification) changes the record it finds.
  std::string before;
  if (master->lifecycle) {
    if (auto old = txn.get(key)) {
      auto row = split_view(*old);
      if (!row) return {Errc::corruption, "malformed master view row " + key};
      before = std::move(row->state);
    }
  }
  auto state = fold(*kind, ev.envelope.aggregate_id, before, Event{type->event, type->version, ev.envelope.data, ev.envelope.time});
  if (!state) return state.status();
  if (!master->listed_by.empty()) {
    // "<collection>/<owner>/<id>": e.g. the screen pop lists a customer's units.
    thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
    auto index_key = [&](const std::string& record) -> std::string {
      std::string_view owner;
      auto doc = parse_strict(parser, record);
      if (!doc || (*doc)[master->listed_by].get_string().get(owner)) return {};
      return std::string(master->collection) + "/" + key_part(owner) + "/" + key_part(ev.envelope.aggregate_id);
    };
    if (auto old = txn.get(key)) {
      if (const std::string k = index_key(*old); !k.empty()) txn.del(k);
    }
    if (const std::string k = index_key(*state); !k.empty()) txn.put(k, "");
  }
  txn.put(key, view_json(*state, ev.envelope.sequence));
  return Status::ok();
}

}  // namespace aftercare
