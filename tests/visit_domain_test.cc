// Visits and charges, the pure part (domain/visit.h, domain/charge.h): the
// visit's state machine, every command against every state; the charging
// rule; the stock steps visits rely on (a refused reservation or issue is an
// event, waiting visits are told first come first served); the request
// awaiting parts; and live state == state rebuilt from the events.
#include <gtest/gtest.h>

#include <random>

#include "domain/charge.h"
#include "domain/json.h"
#include "domain/request.h"
#include "domain/stock.h"
#include "domain/visit.h"

namespace aftercare {
namespace {

const Timestamp kT{1'764'000'000'000};  // 2025-11-24

struct Visit {
  VisitState s;
  std::vector<Event> history;
  Decision run(const VisitCommand& c) {
    Decision d = decide_visit(s, "R-1.1", c, kT);
    if (!rejected(d))
      for (const Event& e : std::get<std::vector<Event>>(d)) {
        EXPECT_TRUE(apply_visit(s, "R-1.1", e)) << e.name << " " << e.data;
        history.push_back(e);
      }
    return d;
  }
};

OpenVisit opening(std::string parts_warehouse = "VAN-7") {
  return {"R-1", "R-1.1", "E-7", "O-1", "north", "C-1", "on_site", "SN-1", "WM-7", std::move(parts_warehouse)};
}

CompleteVisit completion(std::string outcome, std::vector<PartLine> needed = {}) {
  CompleteVisit c;
  c.outcome = std::move(outcome);
  c.work_minutes = 30;
  c.parts_needed = std::move(needed);
  ChargeInput in;
  in.work_minutes = 30;
  in.now = kT;
  c.charge = charge_for(in);
  return c;
}

std::vector<std::string> names(const Decision& d) {
  std::vector<std::string> out;
  if (!rejected(d))
    for (const Event& e : std::get<std::vector<Event>>(d)) out.push_back(e.name);
  return out;
}

Errc code(const Decision& d) { return rejected(d) ? std::get<Rejection>(d).code : Errc::ok; }

// Every command in every state: the events it decides, or the refusal.
TEST(Visit, EveryCommandInEveryState) {
  struct Row {
    const char* state;  // new | open | completed | needs_parts
    VisitCommand command;
    std::vector<std::string> events;
    Errc refused = Errc::ok;
  };
  const UseParts belt{"P-BELT", "VAN-7", 1, {"NEW-1"}, {"OLD-1"}};
  const std::vector<Row> rows = {
      {"new", opening(), {"opened"}},
      {"new", belt, {}, Errc::not_found},
      {"new", completion("fixed"), {}, Errc::not_found},
      {"new", SettleIssue{1, true, ""}, {}, Errc::not_found},
      {"open", opening(), {}},  // the arrive repeated: nothing
      {"open", belt, {"parts_used"}},
      {"open", SettleIssue{1, true, ""}, {}},  // no such line: nothing
      {"open", completion("fixed"), {"completed"}},
      {"open", completion("no_fault_found"), {"completed"}},
      {"open", completion("not_fixed"), {"completed"}},
      {"open", completion("needs_parts", {{"P-PUMP", 1}}), {"completed"}},
      {"open", completion("needs_parts"), {}, Errc::unprocessable},
      {"open", completion("fixed", {{"P-PUMP", 1}}), {}, Errc::unprocessable},
      {"open", NeededPartAvailable{"P-PUMP"}, {}},
      {"completed", belt, {}, Errc::conflict},
      {"completed", completion("fixed"), {}, Errc::conflict},
      {"completed", opening(), {}},
      {"needs_parts", NeededPartAvailable{"P-OTHER"}, {}},
      {"needs_parts", NeededPartAvailable{"P-PUMP"}, {"part_available"}},
  };
  for (const Row& row : rows) {
    Visit v;
    const std::string state = row.state;
    if (state != "new") v.run(opening());
    if (state == "completed") v.run(completion("fixed"));
    if (state == "needs_parts") v.run(completion("needs_parts", {{"P-PUMP", 1}, {"P-BELT", 2}}));
    const Decision d = v.run(row.command);
    EXPECT_EQ(code(d), row.refused) << state << " #" << row.command.index();
    EXPECT_EQ(names(d), row.events) << state << " #" << row.command.index();
  }
}

TEST(Visit, PartLinesAreSettledOnceAndNeededPartsMakeItReadyWhenAllAreThere) {
  Visit v;
  v.run(opening());
  v.run(UseParts{"P-BELT", "VAN-7", 1, {}, {}});
  v.run(UseParts{"P-PUMP", "VAN-7", 2, {}, {}});
  EXPECT_EQ(names(v.run(SettleIssue{2, false, "only 1 available"})), std::vector<std::string>{"part_refused"});
  EXPECT_EQ(names(v.run(SettleIssue{2, true, ""})), std::vector<std::string>{});  // settled already
  EXPECT_EQ(names(v.run(SettleIssue{1, true, ""})), std::vector<std::string>{"part_issued"});
  EXPECT_EQ(v.s.parts[0].issue, "issued");
  EXPECT_EQ(v.s.parts[1].issue, "refused");
  EXPECT_EQ(v.s.parts[1].refusal, "only 1 available");
  v.run(completion("needs_parts", {{"P-PUMP", 1}, {"P-BELT", 1}}));
  EXPECT_EQ(names(v.run(NeededPartAvailable{"P-PUMP"})), std::vector<std::string>{"part_available"});
  EXPECT_EQ(names(v.run(NeededPartAvailable{"P-PUMP"})), std::vector<std::string>{});
  EXPECT_EQ(names(v.run(NeededPartAvailable{"P-BELT"})), (std::vector<std::string>{"part_available", "parts_ready"}));
  EXPECT_TRUE(v.s.parts_ready);
  // The state rebuilt from its JSON and from its events is the live one.
  auto from_json = visit_from_json(visit_to_json(v.s));
  ASSERT_TRUE(from_json) << from_json.status().message();
  EXPECT_EQ(*from_json, v.s);
  VisitState replayed;
  for (const Event& e : v.history) ASSERT_TRUE(apply_visit(replayed, "R-1.1", e));
  EXPECT_EQ(replayed, v.s);
}

TEST(Visit, NeedsPartsWithoutAWarehouseToReceiveThemIsRefused) {
  Visit v;
  v.run(opening(""));
  const Decision d = v.run(completion("needs_parts", {{"P-PUMP", 1}}));
  EXPECT_EQ(code(d), Errc::unprocessable);
}

TEST(Visit, OutcomesReportTheRequest) {
  EXPECT_EQ(request_outcome_of("fixed"), "resolved");
  EXPECT_EQ(request_outcome_of("no_fault_found"), "resolved");
  EXPECT_EQ(request_outcome_of("not_fixed"), "unresolved");
  EXPECT_EQ(request_outcome_of("needs_parts"), "");
}

// --- charges ---------------------------------------------------------------

ChargeInput input(int64_t minutes, std::vector<ChargedPart> parts) {
  ChargeInput in;
  in.serial_no = "SN-1";
  in.work_minutes = minutes;
  in.parts = std::move(parts);
  in.dispatch_type = "on_site";
  in.outlet_fee = 8000;
  in.now = kT;
  return in;
}

TEST(Charge, TheRuleInOrderAgreementWarrantyDefault) {
  const std::vector<ChargedPart> pump = {{"P-PUMP", 2, 25000, 0}};
  ChargeInput in = input(45, pump);
  // No warranty: the default, time and material at 120.00/h.
  Charge c = charge_for(in);
  EXPECT_EQ(c.method, "time_and_material");
  EXPECT_EQ(c.basis, "default");
  EXPECT_EQ(c.labour, 9000);
  EXPECT_EQ(c.parts_value, 50000);
  EXPECT_EQ(c.parts_charged, 50000);
  EXPECT_EQ(c.total, 59000);
  EXPECT_EQ(c.outlet_fee, 8000);
  // The configured default may be parts only.
  in.policy.default_method = "parts_only";
  c = charge_for(in);
  EXPECT_EQ(c.labour, 0);
  EXPECT_EQ(c.total, 50000);
  // Under warranty (the moment itself included): the customer pays nothing; the parts keep their value.
  in.warranty_until = kT;
  in.warranty_source = "unit";
  c = charge_for(in);
  EXPECT_EQ(c.method, "warranty");
  EXPECT_EQ(c.basis, "unit_warranty");
  EXPECT_EQ(c.total, 0);
  EXPECT_EQ(c.parts_value, 50000);
  EXPECT_EQ(c.outlet_fee, 8000);
  // A millisecond after it ended: charged.
  in.warranty_until = Timestamp{kT.ms - 1};
  EXPECT_EQ(charge_for(in).method, "parts_only");
  // An agreement's method wins over the warranty (the hook a later issue fills).
  in.warranty_until = kT;
  in.agreement_id = "A-1";
  in.agreement_method = "time_and_material";
  in.agreement_labour_rate = 6000;
  c = charge_for(in);
  EXPECT_EQ(c.basis, "agreement");
  EXPECT_EQ(c.labour, 4500);
}

TEST(Charge, LabourRoundsHalfUpToAMinorUnitAndNothingIsAFloat) {
  ChargeInput in = input(1, {});
  in.policy.labour_rate = 90;  // 1.5 per minute... of 0.90/h: 1 min = 1.5 minor units
  EXPECT_EQ(charge_for(in).labour, 2);
  in.policy.labour_rate = 89;  // 1.483.. -> 1
  EXPECT_EQ(charge_for(in).labour, 1);
  in.work_minutes = 100'000;
  in.policy.labour_rate = kMaxLabourRate;  // the largest product fits in 64 bits
  EXPECT_EQ(charge_for(in).labour, kMaxLabourRate * 100'000 / 60 + (kMaxLabourRate * 100'000 % 60 >= 30 ? 1 : 0));
}

TEST(Charge, StoredChargesReadBackAsWritten) {
  const Charge c = charge_for(input(45, {{"P-PUMP", 1, 25000, 0}, {"P-BELT", 3, 3000, 0}}));
  JsonWriter w;
  write_charge(w, c);
  simdjson::dom::parser parser;
  const std::string json = w.take();
  auto back = read_charge(parser.parse(json).value());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
}

TEST(Charge, MonthsAreCalendarMonthsWithTheDayClamped) {
  const auto at = [](const char* s) { return *parse_rfc3339(s); };
  EXPECT_EQ(add_months(at("2024-01-31T10:00:00Z"), 1), at("2024-02-29T10:00:00Z"));
  EXPECT_EQ(add_months(at("2023-01-31T10:00:00Z"), 1), at("2023-02-28T10:00:00Z"));
  EXPECT_EQ(add_months(at("2024-11-15T23:59:59.999Z"), 24), at("2026-11-15T23:59:59.999Z"));
  EXPECT_EQ(add_months(at("2024-03-31T00:00:00Z"), -1), at("2024-02-29T00:00:00Z"));
}

// --- the stock steps a visit relies on --------------------------------------

struct Item {
  StockState s;
  Decision run(const StockCommand& c) {
    Decision d = decide_stock(s, "VAN-7", "P-PUMP", c, kT);
    if (!rejected(d)) {
      for (const Event& e : std::get<std::vector<Event>>(d)) {
        EXPECT_TRUE(apply_stock(s, e)) << e.name << " " << e.data;
      }
    }
    return d;
  }
};

TEST(StockForVisits, AProcessManagersReservationOrIssueThatFallsShortIsAnEvent) {
  Item i;
  i.run(ReceiveStock{1, "PO"});
  EXPECT_EQ(names(i.run(ReserveStock{"R-1.1", 2, true})), std::vector<std::string>{"reservation_refused"});
  EXPECT_EQ(code(i.run(ReserveStock{"R-1.1", 2, false})), Errc::conflict);
  EXPECT_EQ(i.s.reserved, 0);
  EXPECT_EQ(names(i.run(IssueStock{"R-1.1", "R-1.1", 2, {}, 1, true})), std::vector<std::string>{"issue_refused"});
  EXPECT_EQ(i.s.on_hand, 1);
  EXPECT_EQ(names(i.run(IssueStock{"R-1.1", "R-1.1", 1, {}, 1, true})), std::vector<std::string>{"issued"});
  EXPECT_EQ(i.s.on_hand, 0);
}

TEST(StockForVisits, WaitingVisitsAreToldFirstComeFirstServed) {
  Item i;
  // Two visits wait: 2 for the first, 1 for the second.
  EXPECT_EQ(names(i.run(AwaitStock{"R-1.1", 2})), std::vector<std::string>{"awaited"});
  EXPECT_EQ(names(i.run(AwaitStock{"R-2.1", 1})), std::vector<std::string>{"awaited"});
  EXPECT_EQ(names(i.run(AwaitStock{"R-2.1", 1})), std::vector<std::string>{});  // awaited once
  // One arrives: not enough for the first, and the second waits its turn.
  EXPECT_EQ(names(i.run(ReceiveStock{1, "PO-1"})), std::vector<std::string>{"received"});
  // Two more: both are covered, in order.
  const Decision d = i.run(ReceiveStock{2, "PO-2"});
  EXPECT_EQ(names(d), (std::vector<std::string>{"received", "awaited_available", "awaited_available"}));
  EXPECT_NE(std::get<std::vector<Event>>(d)[1].data.find("\"visit_id\":\"R-1.1\""), std::string::npos);
  EXPECT_TRUE(i.s.awaiting.empty());
  // A visit that waits for what is already there is told at once.
  EXPECT_EQ(names(i.run(AwaitStock{"R-3.1", 3})), (std::vector<std::string>{"awaited", "awaited_available"}));
  auto back = stock_from_json(stock_to_json(i.s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, i.s);
}

// --- the request awaiting parts ----------------------------------------------

TEST(RequestAwaitingParts, ReleasedAndSuspendedThenResumedOnlyByItsParts) {
  RequestState r;
  auto run = [&](const RequestCommand& c) {
    Decision d = decide_request(r, "R-1", c, kT);
    if (!rejected(d)) {
      for (const Event& e : std::get<std::vector<Event>>(d)) {
        EXPECT_TRUE(apply_request(r, "R-1", e)) << e.name;
      }
    }
    return d;
  };
  OpenRequest open;
  open.customer_id = "C-1";
  open.channel = "phone";
  open.type = "repair";
  open.priority = "normal";
  open.region = "north";
  run(open);
  run(AssignRequest{"E-7", "", "R-1.1"});
  EXPECT_EQ(names(run(AwaitParts{"R-1.2"})), std::vector<std::string>{});  // not the dispatch it follows
  EXPECT_EQ(names(run(AwaitParts{"R-1.1"})), (std::vector<std::string>{"dispatch_released", "suspended"}));
  EXPECT_EQ(r.status, RequestStatus::suspended);
  EXPECT_EQ(r.suspend_reason, "awaiting_parts");
  EXPECT_EQ(names(run(AwaitParts{"R-1.1"})), std::vector<std::string>{});  // delivered again
  EXPECT_EQ(names(run(ResumeRequest{"something_else"})), std::vector<std::string>{});
  EXPECT_EQ(names(run(ResumeRequest{"awaiting_parts"})), std::vector<std::string>{"resumed"});
  EXPECT_EQ(r.status, RequestStatus::awaiting_assignment);
  EXPECT_EQ(r.suspend_reason, "");
  EXPECT_EQ(names(run(ResumeRequest{"awaiting_parts"})), std::vector<std::string>{});  // not a refusal: it moved on
  auto back = request_from_json(request_to_json(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
}

// Random command sequences: the live state equals the state rebuilt from its events and from its JSON.
TEST(VisitProperty, LiveStateEqualsReplayedState) {
  for (uint64_t seed = 0; seed < 100; ++seed) {
    std::mt19937_64 rng(seed);
    Visit v;
    v.run(opening());
    for (int step = 0; step < 12; ++step) {
      switch (rng() % 5) {
        case 0: v.run(UseParts{"P-" + std::to_string(rng() % 3), "VAN-7", 1 + static_cast<int64_t>(rng() % 3), {}, {}}); break;
        case 1: v.run(SettleIssue{1 + static_cast<int64_t>(rng() % 4), rng() % 2 == 0, "short"}); break;
        case 2: v.run(completion(rng() % 2 ? "needs_parts" : "fixed", {{"P-1", 1}, {"P-2", 1}})); break;
        case 3: v.run(completion("needs_parts", {{"P-1", 1}, {"P-2", 1}})); break;
        default: v.run(NeededPartAvailable{"P-" + std::to_string(1 + rng() % 2)});
      }
    }
    VisitState replayed;
    for (const Event& e : v.history) ASSERT_TRUE(apply_visit(replayed, "R-1.1", e)) << seed;
    EXPECT_EQ(replayed, v.s) << seed;
    auto back = visit_from_json(visit_to_json(v.s));
    ASSERT_TRUE(back) << seed;
    EXPECT_EQ(*back, v.s) << seed;
  }
}

}  // namespace
}  // namespace aftercare
