#include "projections/stock_views.h"

#include <cinttypes>
#include <cstdio>

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

Status StockViews::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  const std::string& id = ev.envelope.aggregate_id;
  const Event event{type->event, type->version, ev.envelope.data, ev.envelope.time};
  if (type->aggregate == transfer_kind().name()) {
    const std::string key = "transfer/" + key_part(id);
    std::string before;
    if (auto row = txn.get(key)) {
      auto v = split_view(*row);
      if (!v) return Status{Errc::corruption, "malformed transfer row " + key};
      before = std::move(v->state);
    }
    auto after = fold(transfer_kind(), id, before, event);
    if (!after) return after.status();
    txn.put(key, view_json(*after, ev.envelope.sequence));
    return Status::ok();
  }
  if (type->aggregate != stock_kind().name()) return Status::ok();
  // The item's warehouse and part are in every event: its rows are found without a lookup.
  const std::string item = stock_item_key(string_member(ev.envelope.data, "warehouse_id"),
                                          string_member(ev.envelope.data, "part_no"));
  std::string before;
  if (auto row = txn.get(item)) {
    auto v = split_view(*row);
    if (!v) return Status{Errc::corruption, "malformed stock row " + item};
    before = std::move(v->state);
  }
  auto after = fold(stock_kind(), id, before, event);
  if (!after) return after.status();
  auto now = stock_from_json(*after);
  if (!now) return now.status();
  txn.put(item, view_json(*after, ev.envelope.sequence));
  const std::string low = "low/" + key_part(now->warehouse_id) + "/" + key_part(now->part_no);
  if (now->available() < now->safety_stock) txn.put(low, "");
  else txn.del(low);
  char newest_first[17];
  std::snprintf(newest_first, sizeof newest_first, "%016" PRIx64, UINT64_MAX - ev.envelope.sequence);
  std::string movement = "{\"seq\":" + std::to_string(ev.envelope.sequence) + ",\"event\":\"" + type->event +
                         "\",\"time\":\"" + format_rfc3339(ev.envelope.time) + "\",";
  movement.append(ev.envelope.data, 1);
  txn.put(stock_movements_prefix(now->warehouse_id, now->part_no) + newest_first, movement);
  return Status::ok();
}

}  // namespace aftercare
