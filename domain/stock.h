// A stock item: one part at one warehouse (api-field.md §Spare parts), an
// aggregate of its own on aftercare.parts, keyed "<warehouse_id>/<part_no>".
//
// Quantities, all integers and never negative:
//   on_hand        usable parts on the shelf (or in the van)
//   reserved       of those, promised to dispatches (per dispatch)
//   available      on_hand - reserved: what may be issued or shipped
//   in_transit_in  shipped here by transfers not yet received (per transfer)
//   defective      defective parts taken back, never usable or counted as usable
//
// A movement that would make any of them negative is refused (409), never
// clamped. When `available` falls below the safety stock, the movement's
// events include one `reorder_suggested` — once per crossing: it is
// suggested again only after `available` has been back at or above it.
//
// The aggregate id is "<warehouse_id>:<part_no>" (ids hold no '/', and the
// log's subject grammar allows none); warehouses whose id holds ':' cannot
// hold stock. The Kafka key is the spec's "<warehouse_id>/<part_no>".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/event.h"
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

inline constexpr int64_t kMaxStockQty = 1'000'000;  // one movement's quantity

struct StockState {
  bool exists = false;
  std::string warehouse_id, part_no;
  int64_t on_hand = 0, reserved = 0, in_transit_in = 0, defective = 0;
  int64_t safety_stock = 0, reorder_qty = 0;
  bool below_safety = false;  // a reorder was suggested and available has not recovered since
  std::map<std::string, int64_t> reservations;  // dispatch id -> quantity
  std::map<std::string, int64_t> incoming;      // transfer id -> quantity in transit here
  // Visits that need this part here (needs_parts), first come first served:
  // each is told once `available` covers it and every visit before it.
  std::vector<std::pair<std::string, int64_t>> awaiting;  // visit id, quantity
  Timestamp updated_at;
  int64_t available() const { return on_hand - reserved; }
  bool operator==(const StockState&) const = default;
};

// "<warehouse_id>:<part_no>", or nullopt when either is not a valid id, the
// warehouse id holds ':', or the whole is over 64 bytes.
std::optional<std::string> stock_item_id(std::string_view warehouse_id, std::string_view part_no);

struct ReceiveStock { int64_t qty = 0; std::string reference; };
// Out of here, into transit. A shortfall is refused (409) — or, for a
// process manager's step (`refusal_as_event`), recorded as a
// `shipment_refused` event, so the transfer can say which line failed.
struct ShipStock { std::string transfer_id, to; int64_t qty = 0; bool refusal_as_event = false; };
struct ExpectStock { std::string transfer_id, from; int64_t qty = 0; };      // in transit to here
struct TakeInStock { std::string transfer_id; };                            // the transfer arrived here
// A dispatch's parts (a process manager's step: a shortfall is recorded as
// `reservation_refused`, visible in the audit, and the dispatch goes on).
struct ReserveStock { std::string dispatch_id; int64_t qty = 0; bool refusal_as_event = false; };
struct ReleaseReservation { std::string dispatch_id; };
// Parts used on a visit: the dispatch's reservation is consumed first.
// `line`: the visit's part line; a process manager's issue records a
// shortfall as `issue_refused` (the visit shows the line refused).
struct IssueStock {
  std::string visit_id, dispatch_id;
  int64_t qty = 0;
  std::vector<std::string> serials;
  int64_t line = 0;
  bool refusal_as_event = false;
};
// A visit that needs this part here: `awaited`, then `awaited_available`
// (in the same or a later movement) once available covers it in turn.
struct AwaitStock { std::string visit_id; int64_t qty = 0; };
struct ReturnDefective { std::string serial_no, visit_id, reason; };
// A stock count: on_hand becomes `counted`; reservations above it are released (newest dispatch id first).
struct CountStock { int64_t counted = 0; };
struct SetStockPolicy { int64_t safety_stock = 0, reorder_qty = 0; };

using StockCommand = std::variant<ReceiveStock, ShipStock, ExpectStock, TakeInStock, ReserveStock, ReleaseReservation,
                                  IssueStock, ReturnDefective, CountStock, SetStockPolicy, AwaitStock>;

Decision decide_stock(const StockState& s, std::string_view warehouse_id, std::string_view part_no,
                      const StockCommand& c, Timestamp now);
Status apply_stock(StockState& s, const Event& e);
std::string stock_to_json(const StockState& s);
Result<StockState> stock_from_json(std::string_view json);

class AggregateState;
const StockState& stock_state(const AggregateState* state);
AggregateKind stock_kind();

}  // namespace aftercare
