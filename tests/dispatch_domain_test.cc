// The dispatch aggregate, the request following it, and automatic
// dispatch's ranking: table-driven over every action in every state, and
// property tests over random engineers and random command sequences.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "domain/dispatch.h"
#include "domain/json.h"
#include "domain/ranking.h"
#include "domain/request.h"

namespace aftercare {
namespace {

const Timestamp kT0{1'795'420'800'000};

struct Machine {
  DispatchState state;
  std::vector<Event> events;
  Timestamp now = kT0;
  Decision run(const DispatchCommand& cmd) {
    Decision d = decide_dispatch(state, "R-1.1", cmd, now);
    if (!rejected(d))
      for (Event& e : std::get<std::vector<Event>>(d)) {
        EXPECT_TRUE(apply_dispatch(state, "R-1.1", e).is_ok());
        events.push_back(e);
      }
    return d;
  }
  void must(const DispatchCommand& cmd) { ASSERT_FALSE(rejected(run(cmd))); }
};

OfferDispatch offer() {
  OfferDispatch o;
  o.request_id = "R-1";
  o.mode = "manual";
  o.engineer_id = "E-7";
  o.type = "on_site";
  o.region = "north";
  o.customer_id = "C-1";
  return o;
}

Machine machine_in(DispatchStatus s) {
  Machine m;
  m.must(offer());
  if (s == DispatchStatus::offered) return m;
  if (s == DispatchStatus::declined) return m.must(DeclineDispatch{"sick"}), m;
  if (s == DispatchStatus::cancelled) return m.must(CancelDispatch{"customer away"}), m;
  if (s == DispatchStatus::withdrawn) {
    m.now.ms += kDefaultAcceptWithinMs;
    m.must(OfferExpired{m.state.expires_at});
    return m;
  }
  m.must(AcceptDispatch{});
  if (s == DispatchStatus::accepted) return m;
  m.must(DepartDispatch{});
  if (s == DispatchStatus::en_route) return m;
  m.must(ArriveDispatch{});
  if (s == DispatchStatus::on_site) return m;
  m.must(FinishDispatch{"resolved", "", 30});
  return m;
}

constexpr const char* kIllegal = "-";

TEST(DispatchStateMachineTest, EveryActionInEveryState) {
  using S = DispatchStatus;
  //                   accept      decline     depart      arrive     finish      cancel
  const std::vector<std::pair<S, std::vector<const char*>>> table = {
      {S::offered, {"accepted", "declined", kIllegal, kIllegal, kIllegal, "cancelled"}},
      {S::accepted, {kIllegal, "declined", "en_route", kIllegal, kIllegal, "cancelled"}},
      {S::en_route, {kIllegal, kIllegal, kIllegal, "on_site", kIllegal, "cancelled"}},
      {S::on_site, {kIllegal, kIllegal, kIllegal, kIllegal, "finished", "cancelled"}},
      {S::finished, {kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal}},
      {S::declined, {kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal}},
      {S::cancelled, {kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal}},
      {S::withdrawn, {kIllegal, kIllegal, kIllegal, kIllegal, kIllegal, kIllegal}},
  };
  const DispatchCommand actions[] = {AcceptDispatch{}, DeclineDispatch{"r"}, DepartDispatch{},
                                     ArriveDispatch{}, FinishDispatch{"resolved", "", 1}, CancelDispatch{"r"}};
  for (const auto& [start, expected] : table) {
    for (size_t i = 0; i < std::size(actions); ++i) {
      Machine m = machine_in(start);
      ASSERT_EQ(m.state.status, start);
      const DispatchState before = m.state;
      Decision d = m.run(actions[i]);
      const std::string where = std::string(dispatch_status_name(start)) + " + action " + std::to_string(i);
      if (std::string(expected[i]) == kIllegal) {
        ASSERT_TRUE(rejected(d)) << where;
        EXPECT_EQ(std::get<Rejection>(d).code, Errc::conflict) << where;
        EXPECT_EQ(std::get<Rejection>(d).current_status, dispatch_status_name(start)) << where;
        EXPECT_EQ(m.state, before) << where;
      } else {
        ASSERT_FALSE(rejected(d)) << where << ": " << std::get<Rejection>(d).message;
        EXPECT_EQ(dispatch_status_name(m.state.status), expected[i]) << where;
      }
    }
    // A second offer on the same id is refused: two dispatchers at once name the same aggregate.
    Machine m = machine_in(start);
    EXPECT_EQ(std::get<Rejection>(m.run(offer())).code, Errc::conflict);
  }
  EXPECT_EQ(std::get<Rejection>(decide_dispatch({}, "R-1.1", AcceptDispatch{}, kT0)).code, Errc::not_found);
}

TEST(DispatchStateMachineTest, AnOfferIsWithdrawnOnceWhenItsTimeHasPassed) {
  Machine m = machine_in(DispatchStatus::offered);
  EXPECT_EQ(m.state.expires_at.ms, kT0.ms + kDefaultAcceptWithinMs);
  const Timestamp due = m.state.expires_at;
  EXPECT_TRUE(std::get<std::vector<Event>>(m.run(OfferExpired{due})).empty()) << "early: nothing";
  m.now = due;
  EXPECT_TRUE(std::get<std::vector<Event>>(m.run(OfferExpired{Timestamp{due.ms - 1}})).empty()) << "another deadline";
  m.must(OfferExpired{due});
  EXPECT_EQ(m.state.status, DispatchStatus::withdrawn);
  EXPECT_EQ(string_member(m.events.back().data, "deadline"), format_rfc3339(due));
  EXPECT_TRUE(std::get<std::vector<Event>>(m.run(OfferExpired{due})).empty()) << "fired twice: nothing";
  Machine accepted = machine_in(DispatchStatus::accepted);
  accepted.now.ms += kDefaultAcceptWithinMs;
  EXPECT_TRUE(std::get<std::vector<Event>>(accepted.run(OfferExpired{accepted.state.expires_at})).empty());
}

TEST(DispatchStateMachineTest, ARequestThatMovesOnEndsItsOpenDispatch) {
  Machine offered = machine_in(DispatchStatus::offered);
  offered.must(RequestMovedOn{"reported", "resolved", 20});
  EXPECT_EQ(offered.state.status, DispatchStatus::cancelled) << "nobody went: nothing was finished";
  Machine on_site = machine_in(DispatchStatus::on_site);
  on_site.must(RequestMovedOn{"reported", "unresolved", 20});
  EXPECT_EQ(on_site.state.status, DispatchStatus::finished);
  EXPECT_EQ(on_site.state.outcome, "unresolved");
  EXPECT_EQ(string_member(on_site.events.back().data, "by"), "request");
  Machine accepted = machine_in(DispatchStatus::accepted);
  accepted.must(RequestMovedOn{"cancelled", "", 0});
  EXPECT_EQ(accepted.state.status, DispatchStatus::cancelled);
  EXPECT_EQ(accepted.state.end_reason, "request cancelled");
  Machine finished = machine_in(DispatchStatus::finished);
  EXPECT_TRUE(std::get<std::vector<Event>>(finished.run(RequestMovedOn{"cancelled", "", 0})).empty());
}

TEST(DispatchStateMachineTest, ActionBodiesAreDecodedWithClearErrors) {
  simdjson::dom::parser p;
  auto decode = [&](std::string_view action, const char* body) { return decode_dispatch_action(action, *parse_strict(p, body)); };
  EXPECT_TRUE(decode("accept", "{}").is_ok());
  EXPECT_EQ(decode("decline", "{}").status().code(), Errc::unprocessable);
  EXPECT_EQ(decode("decline", R"({"reason":5})").status().code(), Errc::invalid_argument);
  auto f = decode("finish", "{}");
  ASSERT_TRUE(f.is_ok());
  EXPECT_EQ(std::get<FinishDispatch>(*f).outcome, "resolved");
  EXPECT_EQ(decode("finish", R"({"outcome":"fine"})").status().code(), Errc::unprocessable);
  EXPECT_EQ(decode("finish", R"({"work_minutes":-1})").status().code(), Errc::unprocessable);
  EXPECT_EQ(decode("teleport", "{}").status().code(), Errc::not_found);
  EXPECT_EQ(decode("accept", "[]").status().code(), Errc::invalid_argument);
}

TEST(DispatchStateMachineTest, IsoDurations) {
  const std::pair<const char*, int64_t> good[] = {{"PT15M", 900'000}, {"PT1H30M", 5'400'000}, {"P1D", 86'400'000},
                                                  {"P1DT2H", 93'600'000}, {"PT90S", 90'000}, {"PT0H5M", 300'000}};
  for (const auto& [text, ms] : good) {
    EXPECT_EQ(parse_iso_duration(text), std::optional<int64_t>(ms)) << text;
    EXPECT_EQ(parse_iso_duration(format_iso_duration(ms)), std::optional<int64_t>(ms)) << text;
  }
  for (const char* bad : {"", "P", "PT", "15M", "PT15", "P1M", "P1Y", "PT1H1H", "PT5M1H", "PT0S", "P1DT", "PT-5M", "PTM", "pt15m", "PT1.5H"})
    EXPECT_EQ(parse_iso_duration(bad), std::nullopt) << bad;
  EXPECT_EQ(format_iso_duration(900'000), "PT15M");
  EXPECT_EQ(format_iso_duration(93'600'000), "P1DT2H");
}

// Random command sequences: the state rebuilt from the events, and from its
// own JSON, equals the live one after every step.
TEST(DispatchStateMachineTest, RandomHistoriesRebuildToTheSameState) {
  std::mt19937 r(20261125);
  for (int run = 0; run < 300; ++run) {
    Machine m;
    OfferDispatch o = offer();
    o.mode = r() % 2 ? "auto" : "manual";
    if (r() % 2) o.parts = {{"P-" + std::to_string(r() % 9), 1 + static_cast<int64_t>(r() % 4)}};
    if (o.mode == "auto") o.ranking = R"({"considered":1,"eligible":1,"excluded":{},"candidates":[{"engineer_id":"E-7","distance_km":3.5}]})";
    o.accept_within_ms = 60'000 * (1 + static_cast<int64_t>(r() % 60));
    m.run(o);
    for (int step = 0; step < 10; ++step) {
      m.now.ms += static_cast<int64_t>(r() % 4) * 300'000;
      const DispatchCommand cmds[] = {AcceptDispatch{}, DeclineDispatch{"x"}, DepartDispatch{}, ArriveDispatch{},
                                      FinishDispatch{"resolved", "n", 5}, CancelDispatch{"c"},
                                      RequestMovedOn{"reported", "resolved", 3}, OfferExpired{m.state.expires_at}};
      m.run(cmds[r() % std::size(cmds)]);
      DispatchState rebuilt;
      for (const Event& e : m.events) ASSERT_TRUE(apply_dispatch(rebuilt, "R-1.1", e).is_ok());
      ASSERT_EQ(rebuilt, m.state);
      auto from_json = dispatch_from_json(dispatch_to_json(m.state));
      ASSERT_TRUE(from_json.is_ok()) << from_json.status().message();
      ASSERT_EQ(*from_json, m.state) << dispatch_to_json(m.state);
      ASSERT_EQ(dispatch_to_json(*from_json), dispatch_to_json(m.state));
    }
  }
}

// --- the request following its dispatches ----------------------------------

struct Request {
  RequestState state;
  Timestamp now = kT0;
  std::vector<Event> run(const RequestCommand& cmd) {
    Decision d = decide_request(state, "R-1", cmd, now);
    EXPECT_FALSE(rejected(d)) << (rejected(d) ? std::get<Rejection>(d).message : "");
    if (rejected(d)) return {};
    auto events = std::get<std::vector<Event>>(d);
    for (const Event& e : events) EXPECT_TRUE(apply_request(state, "R-1", e).is_ok());
    return events;
  }
};

Request opened() {
  Request r;
  OpenRequest o;
  o.customer_id = "C-1";
  o.channel = "phone";
  o.type = "repair";
  o.priority = "normal";
  o.region = "north";
  r.run(o);
  return r;
}

TEST(RequestFollowsDispatchTest, OffersAssignOnceAndReleasesReturnWithoutAFailedAttempt) {
  Request r = opened();
  ASSERT_EQ(r.run(AssignRequest{"E-7", "", "R-1.1"}).size(), 1u);
  EXPECT_EQ(r.state.status, RequestStatus::assigned);
  EXPECT_EQ(r.state.dispatch_id, "R-1.1");
  EXPECT_EQ(r.state.dispatches, 1);
  EXPECT_TRUE(r.run(AssignRequest{"E-7", "", "R-1.1"}).empty()) << "the same offer delivered twice";
  EXPECT_TRUE(r.run(ReleaseDispatch{"R-1.9", "declined"}).empty()) << "another dispatch's end changes nothing";
  auto released = r.run(ReleaseDispatch{"R-1.1", "declined"});
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].name, "dispatch_released");
  EXPECT_EQ(r.state.status, RequestStatus::awaiting_assignment);
  EXPECT_EQ(r.state.attempts, 0) << "a declined dispatch is not a failed attempt";
  EXPECT_EQ(r.state.engineer_id, "");
  EXPECT_TRUE(r.run(ReleaseDispatch{"R-1.1", "declined"}).empty()) << "released twice: nothing";

  // The next dispatch; suspended meanwhile; its end leaves the request suspended, to resume unassigned.
  r.run(AssignRequest{"E-8", "", "R-1.2"});
  EXPECT_EQ(r.state.dispatches, 2);
  r.run(SuspendRequest{"customer travelling"});
  r.run(ReleaseDispatch{"R-1.2", "cancelled"});
  EXPECT_EQ(r.state.status, RequestStatus::suspended);
  r.run(ResumeRequest{});
  EXPECT_EQ(r.state.status, RequestStatus::awaiting_assignment);
}

TEST(RequestFollowsDispatchTest, AFinishedDispatchReportsOnlyTheRequestThatFollowsIt) {
  Request r = opened();
  r.run(AssignRequest{"E-7", "", "R-1.1"});
  EXPECT_TRUE(r.run(ReportRequest{"resolved", "", 30, "E-7", "R-1.0"}).empty());
  auto reported = r.run(ReportRequest{"resolved", "", 30, "E-7", "R-1.1"});
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].version, 3);
  EXPECT_EQ(string_member(reported[0].data, "dispatch_id"), "R-1.1");
  EXPECT_EQ(r.state.status, RequestStatus::processed);
  EXPECT_EQ(r.state.dispatch_id, "");
  EXPECT_TRUE(r.run(ReportRequest{"resolved", "", 30, "E-7", "R-1.1"}).empty()) << "delivered twice";
}

TEST(RequestFollowsDispatchTest, EventsThatEndAnAssignmentNameTheDispatch) {
  Request r = opened();
  r.run(AssignRequest{"E-7", "", "R-1.1"});
  auto cancelled = r.run(CancelRequest{"duplicate"});
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].version, 2);
  EXPECT_EQ(string_member(cancelled[0].data, "dispatch_id"), "R-1.1");
  Request unassigned = opened();
  auto c2 = unassigned.run(CancelRequest{"duplicate"});
  EXPECT_NE(c2[0].data.find(R"("dispatch_id":null)"), std::string::npos);
}

// --- automatic dispatch's ranking -------------------------------------------

EngineerFacts engineer(std::string id) {
  EngineerFacts e;
  e.id = std::move(id);
  e.active = true;
  e.status = "available";
  e.skills = {"washers"};
  e.location = Location{39'900'000, 116'300'000};
  return e;
}

TEST(RankingTest, EachExclusionIsNamed) {
  RankingInput in{"washers", Location{39'900'000, 116'300'000}, {"E-passed"}};
  std::vector<EngineerFacts> es;
  es.push_back(engineer("E-ok"));
  es.push_back(engineer("E-inactive"));
  es.back().active = false;
  es.push_back(engineer("E-off"));
  es.back().status = "off_duty";
  es.push_back(engineer("E-full"));
  es.back().open_dispatches = 8;
  es.push_back(engineer("E-fridges"));
  es.back().skills = {"fridges"};
  es.push_back(engineer("E-suspended"));
  es.back().outlet_id = "O-2";
  es.back().outlet_status = "suspended";
  es.push_back(engineer("E-ghost"));
  es.back().outlet_id = "O-9";
  es.back().outlet_status = "unknown";
  es.push_back(engineer("E-passed"));
  auto ranked = rank_engineers(in, es);
  ASSERT_EQ(ranked.size(), es.size());
  EXPECT_EQ(ranked[0].engineer_id, "E-ok");
  EXPECT_TRUE(ranked[0].eligible());
  EXPECT_EQ(ranked[0].distance_tenths, std::optional<int64_t>(0));
  EXPECT_EQ(ranked[0].score, kBaseScore);
  std::map<std::string, std::string> why;
  for (const Candidate& c : ranked) why[c.engineer_id] = c.exclusion;
  EXPECT_EQ(why["E-inactive"], "inactive");
  EXPECT_EQ(why["E-off"], "off_duty");
  EXPECT_EQ(why["E-full"], "at_capacity");
  EXPECT_EQ(why["E-fridges"], "lacks_skill");
  EXPECT_EQ(why["E-suspended"], "outlet_not_certified");
  EXPECT_EQ(why["E-ghost"], "outlet_unknown");
  EXPECT_EQ(why["E-passed"], "passed_over");
  const std::string stored = ranking_json(ranked);
  EXPECT_NE(stored.find(R"("considered":8,"eligible":1)"), std::string::npos) << stored;
  EXPECT_NE(stored.find(R"("at_capacity":1)"), std::string::npos) << stored;
  EXPECT_EQ(candidate_json(ranked[0]),
            R"({"engineer_id":"E-ok","outlet_id":null,"score":10000,"distance_km":0,"open_dispatches":0,"skill_match":true,"parts_on_hand":null,"excluded_because":null})");
}

TEST(RankingTest, DistanceIsGreatCircleAndUnknownCountsAsTheCap) {
  // Beijing to Shanghai: about 1,067 km by great circle.
  EXPECT_NEAR(distance_tenths_km({39'904'200, 116'407'400}, {31'230'400, 121'473'700}), 10'674, 15);
  EXPECT_EQ(distance_tenths_km({0, 0}, {0, 0}), 0);
  // Written as the log's canonical JSON writes numbers: 10 km as 10, not 10.0.
  Candidate c;
  c.distance_tenths = 100;
  EXPECT_NE(candidate_json(c).find(R"("distance_km":10,)"), std::string::npos) << candidate_json(c);
  c.distance_tenths = 105;
  EXPECT_NE(candidate_json(c).find(R"("distance_km":10.5,)"), std::string::npos) << candidate_json(c);
  RankingInput in{"", std::nullopt, {}};
  auto ranked = rank_engineers(in, {engineer("E-1")});
  EXPECT_EQ(ranked[0].distance_tenths, std::nullopt);
  EXPECT_EQ(ranked[0].score, kBaseScore - kDistanceCapTenths);
}

TEST(RankingTest, HavingTheOrdersPartsWeighsAsAHundredKilometres) {
  RankingInput in{"washers", Location{39'900'000, 116'300'000}, {}};
  EngineerFacts near = engineer("E-near"), far = engineer("E-far"), farther = engineer("E-farther");
  near.parts_on_hand = false;
  far.parts_on_hand = true;
  far.location = Location{40'350'000, 116'300'000};  // about 50 km north
  farther.parts_on_hand = true;
  farther.location = Location{41'000'000, 116'300'000};  // about 122 km north
  auto ranked = rank_engineers(in, {near, far, farther});
  EXPECT_EQ(ranked[0].engineer_id, "E-far");
  EXPECT_EQ(ranked[1].engineer_id, "E-near");
  EXPECT_EQ(ranked[2].engineer_id, "E-farther");
  EXPECT_EQ(ranked[0].score, kBaseScore - *ranked[0].distance_tenths + kPartsOnHandBonus);
  EXPECT_NE(candidate_json(ranked[0]).find(R"("parts_on_hand":true)"), std::string::npos);
  EXPECT_NE(candidate_json(ranked[1]).find(R"("parts_on_hand":false)"), std::string::npos);
  // The one-pass summary auto mode stores agrees with the full ranking.
  RankingSummary summary(in);
  for (const EngineerFacts* e : {&near, &far, &farther}) summary.add(view_of(*e));
  EXPECT_EQ(summary.json(), ranking_json(ranked));
}

// Property: over random engineers, the chosen one is eligible and scores no
// worse than any other eligible engineer; the order does not depend on the
// order engineers were listed in; nobody eligible means no choice.
TEST(RankingTest, TheChoiceIsEligibleAndNeverWorseThanAnotherEligibleOne) {
  std::mt19937 r(7);
  const char* statuses[] = {"", "available", "travelling", "on_site", "off_duty"};
  const char* outlet_statuses[] = {"", "certified", "certified", "suspended", "revoked", "pending", "unknown"};
  for (int run = 0; run < 500; ++run) {
    RankingInput in;
    if (r() % 4) in.required_skill = r() % 2 ? "washers" : "fridges";
    if (r() % 5) in.customer_location = Location{static_cast<int64_t>(r() % 2'000'000) + 39'000'000, static_cast<int64_t>(r() % 2'000'000) + 116'000'000};
    std::vector<EngineerFacts> es;
    const int n = 1 + static_cast<int>(r() % 40);
    for (int i = 0; i < n; ++i) {
      EngineerFacts e = engineer("E-" + std::to_string(i));
      e.active = r() % 10 != 0;
      e.status = statuses[r() % std::size(statuses)];
      e.open_dispatches = static_cast<int64_t>(r() % 10);
      e.max_open = 1 + static_cast<int64_t>(r() % 9);
      e.skills.clear();
      if (r() % 3) e.skills.push_back("fridges");
      if (r() % 3) e.skills.push_back("washers");
      e.outlet_status = outlet_statuses[r() % std::size(outlet_statuses)];
      if (!e.outlet_status.empty()) e.outlet_id = "O-" + std::to_string(r() % 3);
      if (r() % 4) e.location = Location{static_cast<int64_t>(r() % 2'000'000) + 39'000'000, static_cast<int64_t>(r() % 2'000'000) + 116'000'000};
      else e.location.reset();
      if (r() % 10 == 0) in.passed_over.push_back(e.id);
      es.push_back(e);
    }
    const auto ranked = rank_engineers(in, es);
    ASSERT_EQ(ranked.size(), es.size());
    const bool anyone = std::any_of(ranked.begin(), ranked.end(), [](const Candidate& c) { return c.eligible(); });
    if (!anyone) continue;
    const Candidate& chosen = ranked[0];
    ASSERT_TRUE(chosen.eligible());
    const EngineerFacts& facts = *std::find_if(es.begin(), es.end(), [&](const auto& e) { return e.id == chosen.engineer_id; });
    EXPECT_TRUE(facts.active && facts.status != "off_duty" && facts.open_dispatches < facts.max_open);
    EXPECT_TRUE(facts.outlet_status.empty() || facts.outlet_status == "certified");
    EXPECT_TRUE(in.required_skill.empty() || std::count(facts.skills.begin(), facts.skills.end(), in.required_skill));
    for (const Candidate& c : ranked)
      if (c.eligible()) { EXPECT_GE(chosen.score, c.score) << c.engineer_id; }
    auto shuffled = es;
    std::shuffle(shuffled.begin(), shuffled.end(), r);
    const auto again = rank_engineers(in, shuffled);
    for (size_t i = 0; i < ranked.size(); ++i) ASSERT_EQ(again[i].engineer_id, ranked[i].engineer_id);
    EXPECT_EQ(ranking_json(again), ranking_json(ranked));
    // The one-pass summary automatic dispatch decides on is the same ranking.
    RankingSummary summary(in);
    for (const EngineerFacts& e : shuffled) summary.add(view_of(e));
    EXPECT_EQ(summary.json(), ranking_json(ranked));
    EXPECT_EQ(summary.best().front().engineer_id, chosen.engineer_id);
  }
}

}  // namespace
}  // namespace aftercare
