// The stock ledger's pure part (domain/stock.h): every movement, what it
// refuses, reorder suggestions once per crossing, and the conservation
// property over random sequences of receipts, transfers, reservations,
// issues, returns and counts across warehouses.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "domain/json.h"
#include "domain/stock.h"
#include "domain/transfer.h"

namespace aftercare {
namespace {

const Timestamp kT{1'700'000'000'000};

// One stock item, driven by commands as the bus would: decide, then apply.
struct Item {
  StockState s;
  std::vector<Event> history;
  std::string warehouse = "W-1", part = "P-1";
  Decision run(const StockCommand& c) {
    Decision d = decide_stock(s, warehouse, part, c, kT);
    if (!rejected(d))
      for (const Event& e : std::get<std::vector<Event>>(d)) {
        EXPECT_TRUE(apply_stock(s, e)) << e.name << " " << e.data;
        history.push_back(e);
      }
    return d;
  }
  std::vector<std::string> names(const Decision& d) const {
    std::vector<std::string> out;
    if (!rejected(d))
      for (const Event& e : std::get<std::vector<Event>>(d)) out.push_back(e.name);
    return out;
  }
};

Errc refusal(const Decision& d) { return rejected(d) ? std::get<Rejection>(d).code : Errc::ok; }

TEST(Stock, EveryMovementMovesTheRightQuantities) {
  Item i;
  EXPECT_EQ(i.names(i.run(ReceiveStock{10, "PO-1"})), std::vector<std::string>{"received"});
  EXPECT_EQ(i.s.on_hand, 10);
  i.run(ReserveStock{"R-1.1", 4});
  EXPECT_EQ(i.s.reserved, 4);
  EXPECT_EQ(i.s.available(), 6);
  // An issue for the dispatch takes its reservation first: 3 of the 4 reserved.
  i.run(IssueStock{"V-1", "R-1.1", 3, {"SN-1"}});
  EXPECT_EQ(i.s.on_hand, 7);
  EXPECT_EQ(i.s.reserved, 1);
  EXPECT_EQ(i.s.available(), 6);
  // 5 more than its reservation holds: 1 from it, 4 from what is available.
  i.run(IssueStock{"V-2", "R-1.1", 5, {}});
  EXPECT_EQ(i.s.on_hand, 2);
  EXPECT_EQ(i.s.reserved, 0);
  EXPECT_TRUE(i.s.reservations.empty());
  i.run(ShipStock{"T-1", "W-2", 2});
  EXPECT_EQ(i.s.on_hand, 0);
  i.run(ExpectStock{"T-9", "W-C", 5});
  EXPECT_EQ(i.s.in_transit_in, 5);
  i.run(TakeInStock{"T-9"});
  EXPECT_EQ(i.s.in_transit_in, 0);
  EXPECT_EQ(i.s.on_hand, 5);
  i.run(ReturnDefective{"SN-OLD", "V-1", "burnt"});
  EXPECT_EQ(i.s.defective, 1);
  EXPECT_EQ(i.s.on_hand, 5) << "defective parts are never usable stock";
  // Every event states the balance after it, and it adds up.
  const std::string last = i.history.back().data;
  EXPECT_NE(last.find(R"("balance":{"on_hand":5,"reserved":0,"available":5,"in_transit_in":0,"defective":1})"), std::string::npos) << last;
}

TEST(Stock, NothingEverGoesBelowZeroAndTheRefusalSaysWhatIsThere) {
  Item i;
  i.run(ReceiveStock{3, ""});
  i.run(ReserveStock{"R-1.1", 2});
  for (const StockCommand& c : {StockCommand{ShipStock{"T-1", "W-2", 2}}, StockCommand{ReserveStock{"R-2.1", 2}},
                                StockCommand{IssueStock{"V-1", "", 2, {}}}, StockCommand{IssueStock{"V-1", "R-3.1", 2, {}}},
                                StockCommand{TakeInStock{"T-404"}}}) {
    const Decision d = i.run(c);
    ASSERT_EQ(refusal(d), Errc::conflict);
    if (std::holds_alternative<ShipStock>(c)) {
      EXPECT_EQ(std::get<Rejection>(d).message,
                "shipping 2 of P-1 at W-1 would leave it below zero: 1 available (3 on hand, 2 reserved)");
    }
  }
  for (const StockCommand& c : {StockCommand{ReceiveStock{0, ""}}, StockCommand{ReceiveStock{-1, ""}},
                                StockCommand{ReceiveStock{kMaxStockQty + 1, ""}}, StockCommand{CountStock{-1}},
                                StockCommand{SetStockPolicy{-1, 0}}})
    EXPECT_EQ(refusal(i.run(c)), Errc::unprocessable);
  EXPECT_EQ(i.s.on_hand, 3);
  EXPECT_EQ(i.s.reserved, 2);
  // Idempotent by nature: the same reservation, release or expectation again changes nothing.
  EXPECT_TRUE(i.names(i.run(ReserveStock{"R-1.1", 2})).empty());
  EXPECT_EQ(i.names(i.run(ReleaseReservation{"R-1.1"})), std::vector<std::string>{"reservation_released"});
  EXPECT_TRUE(i.names(i.run(ReleaseReservation{"R-1.1"})).empty());
  EXPECT_EQ(i.s.available(), 3);
}

TEST(Stock, AProcessManagersShipmentThatFallsShortIsAnEventNotARefusal) {
  Item i;
  i.run(ReceiveStock{2, ""});
  EXPECT_EQ(refusal(i.run(ShipStock{"T-1", "W-2", 3, false})), Errc::conflict);
  EXPECT_EQ(i.names(i.run(ShipStock{"T-1", "W-2", 3, true})), std::vector<std::string>{"shipment_refused"});
  EXPECT_EQ(i.s.on_hand, 2) << "nothing moved";
  EXPECT_NE(i.history.back().data.find("2 available"), std::string::npos) << i.history.back().data;
}

TEST(Stock, ACountRecordsItsVarianceAndReleasesReservationsItLeavesWithoutParts) {
  Item i;
  i.run(ReceiveStock{10, ""});
  i.run(ReserveStock{"R-1.1", 3});
  i.run(ReserveStock{"R-2.1", 4});
  EXPECT_TRUE(i.names(i.run(CountStock{10})).empty()) << "no variance, no event";
  i.run(CountStock{5});
  const std::string counted = i.history.back().data;
  EXPECT_NE(counted.find(R"("counted":5,"previous":10,"variance":-5,"released":[{"dispatch_id":"R-2.1","qty":4}])"), std::string::npos) << counted;
  EXPECT_EQ(i.s.on_hand, 5);
  EXPECT_EQ(i.s.reserved, 3);
  EXPECT_EQ(i.s.reservations.count("R-2.1"), 0u);
}

TEST(Stock, AReorderIsSuggestedOncePerCrossingOfTheSafetyStock) {
  Item i;
  i.run(ReceiveStock{10, ""});
  EXPECT_EQ(i.names(i.run(SetStockPolicy{5, 20})), std::vector<std::string>{"policy_set"});
  EXPECT_EQ(i.names(i.run(IssueStock{"V-1", "", 5, {}})), std::vector<std::string>{"issued"}) << "5 is not below 5";
  EXPECT_EQ(i.names(i.run(IssueStock{"V-2", "", 1, {}})), (std::vector<std::string>{"issued", "reorder_suggested"}));
  EXPECT_NE(i.history.back().data.find(R"("available":4,"safety_stock":5,"reorder_qty":20)"), std::string::npos);
  EXPECT_EQ(i.names(i.run(IssueStock{"V-3", "", 1, {}})), std::vector<std::string>{"issued"}) << "still below: not again";
  EXPECT_EQ(i.names(i.run(ReserveStock{"R-1.1", 1})), std::vector<std::string>{"reserved"});
  i.run(ReceiveStock{20, ""});
  EXPECT_FALSE(i.s.below_safety) << "recovered";
  EXPECT_EQ(i.names(i.run(ShipStock{"T-1", "W-2", 20})), (std::vector<std::string>{"shipped", "reorder_suggested"})) << "a new crossing";
  // Raising the safety stock above what is available is a crossing too.
  Item j;
  j.run(ReceiveStock{3, ""});
  EXPECT_EQ(j.names(j.run(SetStockPolicy{4, 10})), (std::vector<std::string>{"policy_set", "reorder_suggested"}));
}

TEST(Stock, AnEventWhoseBalanceDoesNotAddUpIsCorruption) {
  Item i;
  i.run(ReceiveStock{3, ""});
  Event forged = i.history.back();
  StockState s;
  forged.data.replace(forged.data.find(R"("on_hand":3)"), 11, R"("on_hand":9)");
  EXPECT_EQ(apply_stock(s, forged).code(), Errc::corruption);
  StockState t;
  Event negative{"shipped", 1, R"({"warehouse_id":"W-1","part_no":"P-1","transfer_id":"T","to":"W-2","qty":1})", kT};
  EXPECT_EQ(apply_stock(t, negative).code(), Errc::corruption);
}

TEST(Transfer, EachLineIsShippedOrRefusedThenTheShippedOnesAreReceived) {
  TransferState t;
  auto run = [&t](const TransferCommand& c) {
    Decision d = decide_transfer(t, c, kT);
    if (!rejected(d)) {
      for (const Event& e : std::get<std::vector<Event>>(d)) EXPECT_TRUE(apply_transfer(t, e)) << e.name;
    }
    return d;
  };
  EXPECT_EQ(refusal(run(RequestTransfer{"T-1", "W-A", "W-A", "", {{"P-1", 1}}})), Errc::unprocessable);
  EXPECT_EQ(refusal(run(ReceiveTransfer{})), Errc::not_found);
  ASSERT_EQ(refusal(run(RequestTransfer{"T-1", "W-A", "W-B", "refill", {{"P-1", 2}, {"P-2", 1}}})), Errc::ok);
  EXPECT_EQ(t.status(), "requested");
  EXPECT_EQ(refusal(run(ReceiveTransfer{})), Errc::conflict) << "a line is not answered yet";
  EXPECT_EQ(refusal(run(RequestTransfer{"T-1", "W-A", "W-B", "", {{"P-1", 1}}})), Errc::conflict) << "exists";
  run(LineShipped{"P-1"});
  EXPECT_TRUE(std::get<std::vector<Event>>(run(LineShipped{"P-1"})).empty()) << "answered once";
  EXPECT_EQ(refusal(run(LineShipped{"P-9"})), Errc::not_found);
  run(LineRefused{"P-2", "0 available"});
  EXPECT_EQ(t.status(), "in_transit");
  const Decision received = run(ReceiveTransfer{});
  ASSERT_EQ(refusal(received), Errc::ok);
  EXPECT_EQ(std::get<std::vector<Event>>(received)[0].data, R"({"to":"W-B","lines":[{"part_no":"P-1","qty":2}]})")
      << "only the line in transit is taken in";
  EXPECT_EQ(t.status(), "received");
  EXPECT_EQ(refusal(run(ReceiveTransfer{})), Errc::conflict);
  EXPECT_EQ(*transfer_from_json(transfer_to_json(t)), t);
  // Every line refused: the transfer is refused, and nothing can be received.
  TransferState r;
  for (const TransferCommand& c : {TransferCommand{RequestTransfer{"T-2", "W-A", "W-B", "", {{"P-1", 1}}}},
                                   TransferCommand{LineRefused{"P-1", "0 available"}}}) {
    const Decision d = decide_transfer(r, c, kT);
    for (const Event& e : std::get<std::vector<Event>>(d)) ASSERT_TRUE(apply_transfer(r, e));
  }
  EXPECT_EQ(r.status(), "refused");
  EXPECT_EQ(refusal(decide_transfer(r, ReceiveTransfer{}, kT)), Errc::conflict);
}

TEST(Stock, ItemIdsAreWarehouseColonPart) {
  EXPECT_EQ(stock_item_id("W-1", "P-100"), "W-1:P-100");
  EXPECT_FALSE(stock_item_id("W:1", "P"));
  EXPECT_FALSE(stock_item_id("W/1", "P"));
  EXPECT_FALSE(stock_item_id("W", ""));
  EXPECT_FALSE(stock_item_id(std::string(40, 'w'), std::string(30, 'p')));
}

// Seeded random movements across four warehouses and three parts, with
// transfers in flight between them: goods are conserved, nothing is ever
// negative, defective stock equals returns, and every item's state folded
// again from its events (through JSON) is the same.
TEST(StockProperty, GoodsAreConservedAndReplayGivesTheSameState) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    const std::vector<std::string> warehouses = {"W-C", "W-A", "W-VAN1", "W-VAN2"}, parts = {"P-1", "P-2", "P-3"};
    std::map<std::pair<std::string, std::string>, Item> items;
    auto item = [&](const std::string& w, const std::string& p) -> Item& {
      Item& i = items[{w, p}];
      i.warehouse = w;
      i.part = p;
      return i;
    };
    std::map<std::string, int64_t> received, issued, variance, returns;  // per part
    struct Transit { std::string to, part; };
    std::map<std::string, Transit> in_transit;
    for (int step = 0; step < 300; ++step) {
      const std::string& w = warehouses[pick(4)];
      const std::string& p = parts[pick(3)];
      const int64_t q = pick(5) + 1;
      Item& i = item(w, p);
      switch (pick(8)) {
        case 0:
          if (!rejected(i.run(ReceiveStock{q * 2, ""}))) received[p] += q * 2;
          break;
        case 1: {  // a transfer: shipped at the source, expected at the destination, received later
          const std::string& to = warehouses[pick(4)];
          if (to == w) break;
          const std::string t = "T-" + std::to_string(step);
          if (rejected(i.run(ShipStock{t, to, q}))) break;
          ASSERT_FALSE(rejected(item(to, p).run(ExpectStock{t, w, q})));
          in_transit[t] = {to, p};
          break;
        }
        case 2:
          if (!in_transit.empty()) {
            auto it = std::next(in_transit.begin(), pick(static_cast<int>(in_transit.size())));
            ASSERT_FALSE(rejected(item(it->second.to, it->second.part).run(TakeInStock{it->first})));
            in_transit.erase(it);
          }
          break;
        case 3: i.run(ReserveStock{"R-" + std::to_string(pick(6)) + ".1", q}); break;
        case 4: i.run(ReleaseReservation{"R-" + std::to_string(pick(6)) + ".1"}); break;
        case 5: {
          const int64_t before = i.s.on_hand;
          if (!rejected(i.run(IssueStock{"V-" + std::to_string(step), "R-" + std::to_string(pick(6)) + ".1", q, {}})))
            issued[p] += before - i.s.on_hand;
          break;
        }
        case 6:
          if (!rejected(i.run(ReturnDefective{"SN-" + std::to_string(step), "V-1", "worn"}))) returns[p] += 1;
          break;
        default: {
          const int64_t before = i.s.on_hand;
          if (!rejected(i.run(CountStock{pick(12)}))) variance[p] += i.s.on_hand - before;
          break;
        }
      }
    }
    std::map<std::string, int64_t> usable, defective;
    for (const auto& [key, i] : items) {
      ASSERT_GE(i.s.on_hand, 0);
      ASSERT_GE(i.s.reserved, 0);
      ASSERT_GE(i.s.available(), 0);
      ASSERT_GE(i.s.in_transit_in, 0);
      usable[key.second] += i.s.on_hand + i.s.in_transit_in;
      defective[key.second] += i.s.defective;
      // Replayed from its events, through the JSON codec, it is the same state.
      StockState again;
      for (const Event& e : i.history) ASSERT_TRUE(apply_stock(again, e));
      ASSERT_EQ(again, i.s) << "seed " << seed;
      if (i.s.exists) {
        ASSERT_EQ(*stock_from_json(stock_to_json(i.s)), i.s) << "seed " << seed;
      }
    }
    for (const std::string& p : parts) {
      EXPECT_EQ(usable[p], received[p] - issued[p] + variance[p]) << "seed " << seed << " part " << p;
      EXPECT_EQ(defective[p], returns[p]) << "seed " << seed << " part " << p;
    }
  }
}

}  // namespace
}  // namespace aftercare
