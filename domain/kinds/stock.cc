// The stock item as a registered aggregate kind (domain/stock.h).
#include "domain/stock.h"

namespace aftercare {
namespace {

Status apply(StockState& s, std::string_view, const Event& e) { return apply_stock(s, e); }

using State = StateOf<StockState, apply, stock_to_json>;

// A random valid history: every command of the ledger, the refused ones left out.
std::vector<Event> example(uint64_t seed) {
  uint64_t bits = seed * 0x9E3779B97F4A7C15ull + 7;
  auto next = [&bits](uint64_t n) {
    bits = bits * 6364136223846793005ull + 1442695040888963407ull;
    return (bits >> 33) % n;
  };
  StockState s;
  std::vector<Event> events;
  for (int i = 0; i < 24; ++i) {
    const std::string n = std::to_string(i);
    const int64_t q = static_cast<int64_t>(next(6)) + 1;
    StockCommand c;
    switch (next(12)) {
      case 0: c = ReceiveStock{q * 3, "PO-" + n}; break;
      case 1: c = ShipStock{"T-" + n, "W-VAN-" + std::to_string(next(3)), q, next(2) == 0}; break;
      case 2: c = ExpectStock{"T-" + n, "W-C", q}; break;
      case 3: c = TakeInStock{s.incoming.empty() ? "T-none" : s.incoming.begin()->first}; break;
      case 4: c = ReserveStock{"R-" + std::to_string(next(4)) + ".1", q, next(2) == 0}; break;
      case 5: c = ReleaseReservation{"R-" + std::to_string(next(4)) + ".1"}; break;
      case 6: c = IssueStock{"V-" + n, "R-" + std::to_string(next(4)) + ".1", q, {"SN-" + n}, 1, next(2) == 0}; break;
      case 10: c = AwaitStock{"R-" + std::to_string(next(4)) + ".2", q}; break;
      case 7: c = ReturnDefective{"SN-OLD-" + n, "V-" + n, "burnt"}; break;
      case 8: c = CountStock{static_cast<int64_t>(next(12))}; break;
      default: c = SetStockPolicy{static_cast<int64_t>(next(8)), static_cast<int64_t>(next(20))}; break;
    }
    auto d = decide_stock(s, "W-1", "P-" + std::to_string(seed % 5), c, Timestamp{1'700'000'000'000 + i * 60'000});
    if (rejected(d)) continue;
    for (Event& e : std::get<std::vector<Event>>(d)) {
      (void)apply_stock(s, e);
      events.push_back(std::move(e));
    }
  }
  if (events.empty()) {  // every draw refused: a receipt is always allowed
    auto d = decide_stock(s, "W-1", "P-0", ReceiveStock{1, "PO"}, Timestamp{1'700'000'000'000});
    events = std::get<std::vector<Event>>(d);
  }
  return events;
}

const KindSpec kSpec{
    .name = "stock",
    .topic = "aftercare.parts",
    .events = {{"received"}, {"shipped"}, {"shipment_refused"}, {"incoming"}, {"transfer_received"}, {"reserved"}, {"reservation_released"},
               {"issued"}, {"defective_returned"}, {"counted"}, {"policy_set"}, {"reorder_suggested"}, {"reservation_refused"},
               {"issue_refused"}, {"awaited"}, {"awaited_available"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      auto s = stock_from_json(json);
      if (!s) return s.status();
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s).value()));
    },
    // The spec's key: "<warehouse_id>/<part_no>".
    .partition_key = [](std::string_view id, const AggregateState& state) -> std::string {
      const StockState& s = static_cast<const State&>(state).value;
      if (s.warehouse_id.empty()) {
        std::string key(id);
        key[key.find(':')] = '/';
        return key;
      }
      return s.warehouse_id + "/" + s.part_no;
    },
    .master = nullptr,
    .example = example,
};

}  // namespace

const StockState& stock_state(const AggregateState* state) {
  static const StockState none;
  return state ? static_cast<const State*>(state)->value : none;
}

AggregateKind stock_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
