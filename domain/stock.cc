#include "domain/stock.h"

#include <algorithm>

#include "domain/body.h"
#include "domain/json.h"
#include "domain/master_data.h"

namespace aftercare {
namespace {

Rejection conflict(std::string message) { return Rejection{Errc::conflict, std::move(message), ""}; }
Rejection invalid(std::string message) { return Rejection{Errc::unprocessable, std::move(message), ""}; }

bool valid_qty(int64_t q) { return q >= 1 && q <= kMaxStockQty; }

// The fields every event of the item starts with.
JsonWriter start(std::string_view warehouse_id, std::string_view part_no) {
  JsonWriter w;
  w.begin_object().field("warehouse_id", warehouse_id).field("part_no", part_no);
  return w;
}

void write_balance(JsonWriter& w, const StockState& s) {
  w.key("balance").begin_object().field_int("on_hand", s.on_hand).field_int("reserved", s.reserved);
  w.field_int("available", s.available()).field_int("in_transit_in", s.in_transit_in);
  w.field_int("defective", s.defective).end_object();
}

std::string shortfall(const StockState& s, int64_t wanted, std::string_view what) {
  return std::string(what) + " " + std::to_string(wanted) + " of " + s.part_no + " at " + s.warehouse_id +
         " would leave it below zero: " + std::to_string(s.available()) + " available (" + std::to_string(s.on_hand) +
         " on hand, " + std::to_string(s.reserved) + " reserved)";
}

// The movement's event, with the balance after it, then a reorder suggestion
// if it made `available` cross below the safety stock.
Decision movement(const StockState& s, std::string_view warehouse_id, std::string_view part_no, std::string name,
                  JsonWriter w, Timestamp now) {
  StockState after = s;
  after.warehouse_id = warehouse_id;
  after.part_no = part_no;
  // The balance is computed by apply() itself, on the event without it.
  JsonWriter probe = w;
  probe.end_object();
  Event draft{name, 1, probe.take(), now};
  if (Status st = apply_stock(after, draft); !st) return Rejection{Errc::corruption, st.message(), ""};
  write_balance(w, after);
  std::vector<Event> events{Event{std::move(name), 1, w.end_object().take(), now}};
  // Visits waiting for the part, in turn, while available covers them all.
  int64_t promised = 0;
  for (const auto& [visit, qty] : after.awaiting) {
    if (promised + qty > after.available()) break;
    promised += qty;
    JsonWriter a = start(warehouse_id, part_no);
    a.field("visit_id", visit).field_int("qty", qty).field_int("available", after.available());
    events.push_back(Event{"awaited_available", 1, a.end_object().take(), now});
  }
  if (!s.below_safety && after.available() < after.safety_stock) {
    JsonWriter r = start(warehouse_id, part_no);
    r.field_int("available", after.available()).field_int("safety_stock", after.safety_stock);
    r.field_int("reorder_qty", after.reorder_qty);
    events.push_back(Event{"reorder_suggested", 1, r.end_object().take(), now});
  }
  return events;
}

}  // namespace

std::optional<std::string> stock_item_id(std::string_view warehouse_id, std::string_view part_no) {
  if (!valid_id(warehouse_id) || !valid_id(part_no) || warehouse_id.find(':') != std::string_view::npos) return std::nullopt;
  std::string id = std::string(warehouse_id) + ":" + std::string(part_no);
  if (id.size() > kMaxIdBytes) return std::nullopt;
  return id;
}

Decision decide_stock(const StockState& s, std::string_view warehouse_id, std::string_view part_no,
                      const StockCommand& c, Timestamp now) {
  JsonWriter w = start(warehouse_id, part_no);
  return std::visit(
      [&](const auto& cmd) -> Decision {
        using T = std::decay_t<decltype(cmd)>;
        if constexpr (std::is_same_v<T, ReceiveStock>) {
          if (!valid_qty(cmd.qty)) return invalid("\"qty\" must be 1..1000000");
          w.field_int("qty", cmd.qty).field("reference", cmd.reference);
          return movement(s, warehouse_id, part_no, "received", std::move(w), now);
        } else if constexpr (std::is_same_v<T, ShipStock>) {
          if (!valid_qty(cmd.qty)) return invalid("\"qty\" must be 1..1000000");
          if (cmd.qty > s.available()) {
            if (!cmd.refusal_as_event) return conflict(shortfall(s, cmd.qty, "shipping"));
            w.field("transfer_id", cmd.transfer_id).field("to", cmd.to).field_int("qty", cmd.qty);
            w.field("reason", shortfall(s, cmd.qty, "shipping"));
            return movement(s, warehouse_id, part_no, "shipment_refused", std::move(w), now);
          }
          w.field("transfer_id", cmd.transfer_id).field("to", cmd.to).field_int("qty", cmd.qty);
          return movement(s, warehouse_id, part_no, "shipped", std::move(w), now);
        } else if constexpr (std::is_same_v<T, ExpectStock>) {
          if (!valid_qty(cmd.qty)) return invalid("\"qty\" must be 1..1000000");
          if (s.incoming.contains(cmd.transfer_id)) return std::vector<Event>{};  // already expected
          w.field("transfer_id", cmd.transfer_id).field("from", cmd.from).field_int("qty", cmd.qty);
          return movement(s, warehouse_id, part_no, "incoming", std::move(w), now);
        } else if constexpr (std::is_same_v<T, TakeInStock>) {
          auto it = s.incoming.find(cmd.transfer_id);
          if (it == s.incoming.end()) return conflict("transfer " + cmd.transfer_id + " has nothing in transit to " + s.warehouse_id);
          w.field("transfer_id", cmd.transfer_id).field_int("qty", it->second);
          return movement(s, warehouse_id, part_no, "transfer_received", std::move(w), now);
        } else if constexpr (std::is_same_v<T, ReserveStock>) {
          if (!valid_qty(cmd.qty)) return invalid("\"qty\" must be 1..1000000");
          if (s.reservations.contains(cmd.dispatch_id)) return std::vector<Event>{};  // reserved once per dispatch
          if (cmd.qty > s.available()) {
            if (!cmd.refusal_as_event) return conflict(shortfall(s, cmd.qty, "reserving"));
            w.field("dispatch_id", cmd.dispatch_id).field_int("qty", cmd.qty).field("reason", shortfall(s, cmd.qty, "reserving"));
            return movement(s, warehouse_id, part_no, "reservation_refused", std::move(w), now);
          }
          w.field("dispatch_id", cmd.dispatch_id).field_int("qty", cmd.qty);
          return movement(s, warehouse_id, part_no, "reserved", std::move(w), now);
        } else if constexpr (std::is_same_v<T, ReleaseReservation>) {
          auto it = s.reservations.find(cmd.dispatch_id);
          if (it == s.reservations.end()) return std::vector<Event>{};  // nothing (left) to release
          w.field("dispatch_id", cmd.dispatch_id).field_int("qty", it->second);
          return movement(s, warehouse_id, part_no, "reservation_released", std::move(w), now);
        } else if constexpr (std::is_same_v<T, IssueStock>) {
          if (!valid_qty(cmd.qty)) return invalid("\"qty\" must be 1..1000000");
          auto it = cmd.dispatch_id.empty() ? s.reservations.end() : s.reservations.find(cmd.dispatch_id);
          const int64_t from_reservation = it == s.reservations.end() ? 0 : std::min(it->second, cmd.qty);
          if (cmd.qty - from_reservation > s.available()) {
            if (!cmd.refusal_as_event) return conflict(shortfall(s, cmd.qty - from_reservation, "issuing"));
            w.field("visit_id", cmd.visit_id).field("dispatch_id", cmd.dispatch_id).field_int("line", cmd.line);
            w.field_int("qty", cmd.qty).field("reason", shortfall(s, cmd.qty - from_reservation, "issuing"));
            return movement(s, warehouse_id, part_no, "issue_refused", std::move(w), now);
          }
          w.field("visit_id", cmd.visit_id).field("dispatch_id", cmd.dispatch_id).field_int("line", cmd.line);
          w.field_int("qty", cmd.qty);
          w.field_int("from_reservation", from_reservation).key("serials").begin_array();
          for (const std::string& serial : cmd.serials) w.string(serial);
          w.end_array();
          return movement(s, warehouse_id, part_no, "issued", std::move(w), now);
        } else if constexpr (std::is_same_v<T, AwaitStock>) {
          if (!valid_qty(cmd.qty)) return invalid("\"qty\" must be 1..1000000");
          for (const auto& [visit, qty] : s.awaiting)
            if (visit == cmd.visit_id) return std::vector<Event>{};  // awaited already
          w.field("visit_id", cmd.visit_id).field_int("qty", cmd.qty);
          return movement(s, warehouse_id, part_no, "awaited", std::move(w), now);
        } else if constexpr (std::is_same_v<T, ReturnDefective>) {
          w.field("serial_no", cmd.serial_no).field("visit_id", cmd.visit_id).field("reason", cmd.reason);
          return movement(s, warehouse_id, part_no, "defective_returned", std::move(w), now);
        } else if constexpr (std::is_same_v<T, CountStock>) {
          if (cmd.counted < 0 || cmd.counted > kMaxStockQty * 1000) return invalid("\"counted\" must be 0..1000000000");
          if (s.exists && cmd.counted == s.on_hand) return std::vector<Event>{};  // no variance, nothing to record
          w.field_int("counted", cmd.counted).field_int("previous", s.on_hand).field_int("variance", cmd.counted - s.on_hand);
          // Reservations the count leaves without parts: released, newest dispatch id first.
          w.key("released").begin_array();
          int64_t reserved = s.reserved;
          for (auto it = s.reservations.rbegin(); it != s.reservations.rend() && reserved > cmd.counted; ++it) {
            w.begin_object().field("dispatch_id", it->first).field_int("qty", it->second).end_object();
            reserved -= it->second;
          }
          w.end_array();
          return movement(s, warehouse_id, part_no, "counted", std::move(w), now);
        } else {
          static_assert(std::is_same_v<T, SetStockPolicy>);
          if (cmd.safety_stock < 0 || cmd.safety_stock > kMaxStockQty || cmd.reorder_qty < 0 || cmd.reorder_qty > kMaxStockQty)
            return invalid("\"safety_stock\" and \"reorder_qty\" must be 0..1000000");
          if (s.exists && s.safety_stock == cmd.safety_stock && s.reorder_qty == cmd.reorder_qty) return std::vector<Event>{};
          w.field_int("safety_stock", cmd.safety_stock).field_int("reorder_qty", cmd.reorder_qty);
          return movement(s, warehouse_id, part_no, "policy_set", std::move(w), now);
        }
      },
      c);
}

namespace {

Status bad(std::string_view what) { return {Errc::corruption, "stock: " + std::string(what)}; }

}  // namespace

Status apply_stock(StockState& s, const Event& e) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, e.data);
  if (!root) return bad(root.status().message());
  Fields f(*root);
  const std::string warehouse_id = f.str("warehouse_id"), part_no = f.str("part_no");
  if (!f.ok()) return bad("an event without its warehouse and part");
  if (s.exists && (warehouse_id != s.warehouse_id || part_no != s.part_no)) return bad("an event of another item");
  s.warehouse_id = warehouse_id;
  s.part_no = part_no;
  const std::string& n = e.name;
  if (n == "received") {
    s.on_hand += f.integer("qty");
  } else if (n == "shipped") {
    s.on_hand -= f.integer("qty");
  } else if (n == "shipment_refused" || n == "reservation_refused" || n == "issue_refused") {
    // Nothing moved: the step was refused, and says why.
  } else if (n == "awaited") {
    s.awaiting.emplace_back(f.str("visit_id"), f.integer("qty"));
  } else if (n == "awaited_available") {
    const std::string visit = f.str("visit_id");
    auto it = std::find_if(s.awaiting.begin(), s.awaiting.end(), [&](const auto& a) { return a.first == visit; });
    if (it == s.awaiting.end()) return bad("a visit told of parts it did not await");
    s.awaiting.erase(it);
  } else if (n == "incoming") {
    const int64_t q = f.integer("qty");
    s.incoming[f.str("transfer_id")] += q;
    s.in_transit_in += q;
  } else if (n == "transfer_received") {
    auto it = s.incoming.find(f.str("transfer_id"));
    if (it == s.incoming.end() || it->second != f.integer("qty")) return bad("a transfer received that was not in transit");
    s.in_transit_in -= it->second;
    s.on_hand += it->second;
    s.incoming.erase(it);
  } else if (n == "reserved") {
    const int64_t q = f.integer("qty");
    s.reservations[f.str("dispatch_id")] += q;
    s.reserved += q;
  } else if (n == "reservation_released") {
    auto it = s.reservations.find(f.str("dispatch_id"));
    if (it == s.reservations.end()) return bad("a reservation released that was not made");
    s.reserved -= it->second;
    s.reservations.erase(it);
  } else if (n == "issued") {
    const int64_t q = f.integer("qty"), from_reservation = f.integer("from_reservation");
    if (from_reservation > 0) {
      auto it = s.reservations.find(f.str("dispatch_id"));
      if (it == s.reservations.end() || it->second < from_reservation) return bad("an issue from a reservation not made");
      it->second -= from_reservation;
      s.reserved -= from_reservation;
      if (it->second == 0) s.reservations.erase(it);
    }
    s.on_hand -= q;
  } else if (n == "defective_returned") {
    s.defective += 1;
  } else if (n == "counted") {
    simdjson::dom::array released;
    if ((*root)["released"].get_array().get(released)) return bad("a count without its released reservations");
    for (auto r : released) {
      std::string_view d;
      if (r["dispatch_id"].get_string().get(d)) return bad("a malformed release");
      auto it = s.reservations.find(std::string(d));
      if (it == s.reservations.end()) return bad("a count released a reservation not made");
      s.reserved -= it->second;
      s.reservations.erase(it);
    }
    s.on_hand = f.integer("counted");
  } else if (n == "policy_set") {
    s.safety_stock = f.integer("safety_stock");
    s.reorder_qty = f.integer("reorder_qty");
  } else if (n == "reorder_suggested") {
    s.below_safety = true;
  } else {
    return bad("unknown event " + n);
  }
  if (!f.ok()) return bad("malformed " + n);
  if (s.on_hand < 0 || s.reserved < 0 || s.available() < 0 || s.in_transit_in < 0)
    return bad(n + " leaves " + s.warehouse_id + ":" + s.part_no + " below zero");
  // Back at or above the safety stock: the next crossing suggests again.
  if (s.available() >= s.safety_stock) s.below_safety = false;
  if (n != "reorder_suggested" && n != "awaited_available" && (*root)["balance"].error() == simdjson::SUCCESS) {
    Fields b((*root)["balance"].value_unsafe());
    if (b.integer("on_hand") != s.on_hand || b.integer("reserved") != s.reserved ||
        b.integer("in_transit_in") != s.in_transit_in || b.integer("defective") != s.defective || !b.ok())
      return bad(n + " states a balance its movements do not add up to");
  }
  s.exists = true;
  s.updated_at = e.time;
  return Status::ok();
}

std::string stock_to_json(const StockState& s) {
  JsonWriter w;
  w.begin_object().field("warehouse_id", s.warehouse_id).field("part_no", s.part_no);
  w.field_int("on_hand", s.on_hand).field_int("reserved", s.reserved).field_int("available", s.available());
  w.field_int("in_transit_in", s.in_transit_in).field_int("defective", s.defective);
  w.field_int("safety_stock", s.safety_stock).field_int("reorder_qty", s.reorder_qty).field_bool("below_safety", s.below_safety);
  w.key("reservations").begin_object();
  for (const auto& [d, q] : s.reservations) w.field_int(d, q);
  w.end_object().key("incoming").begin_object();
  for (const auto& [t, q] : s.incoming) w.field_int(t, q);
  w.end_object().key("awaiting").begin_array();
  for (const auto& [visit, qty] : s.awaiting) w.begin_object().field("visit_id", visit).field_int("qty", qty).end_object();
  w.end_array().field("updated_at", format_rfc3339(s.updated_at));
  return w.end_object().take();
}

Result<StockState> stock_from_json(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  if (!root) return Status{Errc::corruption, "stock state: " + root.status().message()};
  Fields f(*root);
  StockState s;
  s.exists = true;
  s.warehouse_id = f.str("warehouse_id");
  s.part_no = f.str("part_no");
  s.on_hand = f.integer("on_hand");
  s.reserved = f.integer("reserved");
  s.in_transit_in = f.integer("in_transit_in");
  s.defective = f.integer("defective");
  s.safety_stock = f.integer("safety_stock");
  s.reorder_qty = f.integer("reorder_qty");
  s.below_safety = f.boolean("below_safety");
  auto at = f.time("updated_at");
  for (auto [map, key] : {std::pair{&s.reservations, "reservations"}, std::pair{&s.incoming, "incoming"}}) {
    simdjson::dom::object o;
    if ((*root)[key].get_object().get(o)) return Status{Errc::corruption, "stock state is malformed"};
    for (auto [k, v] : o) {
      int64_t q;
      if (v.get_int64().get(q)) return Status{Errc::corruption, "stock state is malformed"};
      (*map)[std::string(k)] = q;
    }
  }
  simdjson::dom::array awaiting;
  if ((*root)["awaiting"].get_array().get(awaiting)) return Status{Errc::corruption, "stock state is malformed"};
  for (auto a : awaiting) {
    Fields af(a);
    s.awaiting.emplace_back(af.str("visit_id"), af.integer("qty"));
    if (!af.ok()) return Status{Errc::corruption, "stock state is malformed"};
  }
  if (!f.ok() || !at) return Status{Errc::corruption, "stock state is malformed"};
  s.updated_at = *at;
  return s;
}

}  // namespace aftercare
