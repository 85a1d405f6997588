#include "projections/master_view.h"

#include "domain/aggregates.h"
#include "domain/json.h"

namespace aftercare {

std::string master_view_json(const std::string& state, uint64_t version) {
  // The state is the record with "updated_at"; the view adds the version.
  return state.substr(0, state.size() - 1) + ",\"version\":" + std::to_string(version) + "}";
}

Status MasterView::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  auto kind = aggregate_from_name(type->aggregate);
  if (!kind) return {Errc::corruption, "unknown aggregate kind " + type->aggregate};
  auto state = fold(*kind, ev.envelope.aggregate_id, "", Event{type->event, type->version, ev.envelope.data, ev.envelope.time});
  if (!state) return state.status();
  txn.put(type->aggregate + "/" + ev.envelope.aggregate_id,
          master_view_json(*state, ev.envelope.sequence));
  return Status::ok();
}

}  // namespace aftercare
