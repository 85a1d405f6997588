#include "projections/stock_views.h"

#include <cinttypes>
#include <cstdio>

#include "domain/body.h"
#include "domain/json.h"
#include "domain/kind.h"
#include "domain/stock.h"
#include "domain/transfer.h"
#include "projections/request_views.h"
#include "projections/view_row.h"

namespace aftercare {

std::string stock_item_key(std::string_view warehouse_id, std::string_view part_no) {
  return "item/" + key_part(warehouse_id) + "/" + key_part(part_no);
}

std::string stock_movements_prefix(std::string_view warehouse_id, std::string_view part_no) {
  return "mv/" + key_part(warehouse_id) + "/" + key_part(part_no) + "/";
}

namespace {

// The state a view row holds ("" when there is none).
Result<std::string> view_state(ProjectionTxn& txn, const std::string& key) {
  auto row = txn.get(key);
  if (!row) return std::string();
  auto v = split_view(*row);
  if (!v) return Status{Errc::corruption, "malformed stock row " + key};
  return std::move(v->state);
}

}  // namespace

Status StockViews::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  const std::string& id = ev.envelope.aggregate_id;
  const Event event{type->event, type->version, ev.envelope.data, ev.envelope.time};
  if (type->aggregate == transfer_kind().name()) {
    const std::string key = "transfer/" + key_part(id);
    auto before = view_state(txn, key);
    if (!before) return before.status();
    auto after = fold(transfer_kind(), id, *before, event);
    if (!after) return after.status();
    txn.put(key, view_json(*after, ev.envelope.sequence));
    return Status::ok();
  }
  if (type->aggregate != stock_kind().name()) return Status::ok();
  // The item's warehouse and part are in every event: its rows are found without a lookup.
  thread_local simdjson::dom::parser parser;
  auto data = parse_strict(parser, ev.envelope.data);
  if (!data) return data.status();
  Fields f(*data);
  const std::string warehouse_id = f.str("warehouse_id"), part_no = f.str("part_no");
  if (!f.ok()) return Status{Errc::corruption, "a stock event without its warehouse and part"};
  const std::string item = stock_item_key(warehouse_id, part_no);
  auto before = view_state(txn, item);
  if (!before) return before.status();
  // Folded through the kind's own codec and apply (what fold() does), keeping the typed state.
  StockState now;
  if (!before->empty()) {
    auto was = stock_from_json(*before);
    if (!was) return was.status();
    now = std::move(was).value();
  }
  if (Status st = apply_stock(now, event); !st) return st;
  txn.put(item, view_json(stock_to_json(now), ev.envelope.sequence));
  const std::string low = "low/" + key_part(warehouse_id) + "/" + key_part(part_no);
  if (now.available() < now.safety_stock) txn.put(low, "");
  else txn.del(low);
  char newest_first[17];
  std::snprintf(newest_first, sizeof newest_first, "%016" PRIx64, UINT64_MAX - ev.envelope.sequence);
  std::string movement = "{\"seq\":" + std::to_string(ev.envelope.sequence) + ",\"event\":\"" + type->event +
                         "\",\"time\":\"" + format_rfc3339(ev.envelope.time) + "\",";
  movement.append(ev.envelope.data, 1);
  txn.put(stock_movements_prefix(warehouse_id, part_no) + newest_first, movement);
  return Status::ok();
}

}  // namespace aftercare
