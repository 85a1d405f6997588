#include "commands/stock_process.h"

#include "domain/json.h"
#include "domain/stock.h"
#include "domain/transfer.h"

namespace aftercare {
namespace {

FollowUp on_item(const std::string& warehouse_id, const std::string& part_no, StockCommand c) {
  return stock_follow_up(warehouse_id, part_no, std::move(c));
}

FollowUp on_transfer(const std::string& transfer_id, TransferCommand c) {
  return {transfer_kind(), transfer_id, [c = std::move(c)](const AggregateHead& head, Timestamp now) {
            return decide_transfer(transfer_state(head.state.get()), c, now);
          }};
}

}  // namespace

std::vector<PartLine> part_lines_of(std::string_view data, const char* key) {
  std::vector<PartLine> out;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array lines;
  if (parser.parse(data.data(), data.size())[key].get_array().get(lines)) return out;
  for (auto l : lines) {
    std::string_view part;
    int64_t qty = 0;
    if (!l["part_no"].get_string().get(part) && !l["qty"].get_int64().get(qty)) out.push_back({std::string(part), qty});
  }
  return out;
}

FollowUp stock_follow_up(const std::string& warehouse_id, const std::string& part_no, StockCommand c) {
  const std::string id = stock_item_id(warehouse_id, part_no).value_or(warehouse_id + ":" + part_no);
  return {stock_kind(), id, [warehouse_id, part_no, c = std::move(c)](const AggregateHead& head, Timestamp now) {
            return decide_stock(stock_state(head.state.get()), warehouse_id, part_no, c, now);
          }};
}

std::vector<FollowUp> StockProcess::react(const Envelope& e) {
  auto type = parse_type(e.type);
  if (!type) return {};
  const std::string& data = e.data;
  std::vector<FollowUp> out;
  if (type->aggregate == transfer_kind().name()) {
    const std::string transfer_id = e.aggregate_id;
    if (type->event == "requested") {
      const std::string from = string_member(data, "from"), to = string_member(data, "to");
      for (const PartLine& l : part_lines_of(data, "lines")) out.push_back(on_item(from, l.part_no, ShipStock{transfer_id, to, l.qty, true}));
    } else if (type->event == "received") {
      const std::string to = string_member(data, "to");
      for (const PartLine& l : part_lines_of(data, "lines")) out.push_back(on_item(to, l.part_no, TakeInStock{transfer_id}));
    }
  } else if (type->aggregate == stock_kind().name()) {
    const std::string warehouse = string_member(data, "warehouse_id"), part = string_member(data, "part_no");
    const std::string transfer_id = string_member(data, "transfer_id");
    if (type->event == "shipped") {
      // The destination shows the goods in transit before the transfer says they left.
      out.push_back(on_item(string_member(data, "to"), part,
                            ExpectStock{transfer_id, warehouse, int_member(data, "qty").value_or(0)}));
      out.push_back(on_transfer(transfer_id, LineShipped{part}));
    } else if (type->event == "shipment_refused") {
      out.push_back(on_transfer(transfer_id, LineRefused{part, string_member(data, "reason")}));
    }
  }
  return out;
}

}  // namespace aftercare
