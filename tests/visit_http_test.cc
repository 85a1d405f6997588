// Visits over HTTP (api-field.md §Visits), on both logs: the README's
// walk-through — a dispatch that reserves a part on the engineer's van, a
// visit that uses it and takes the old one back as defective, finds it
// needs another part, waits (the request suspended, awaiting_parts) while
// the part is transferred from the central warehouse, resumes by itself
// when it is received at the van, and a second visit that fixes it — then
// the charges each visit stored, the outlet's settlement, who may see and
// do what, bad input, and a rebuild that reproduces every read model.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

int64_t number(const std::string& json, const std::string& name) {
  const std::string k = "\"" + name + "\":";
  const size_t at = json.find(k);
  return at == std::string::npos ? -999 : std::stoll(json.substr(at + k.size()));
}

class VisitTest : public ServerOnEitherLog {
 protected:
  std::string position;

  Reply send(verb method, const std::string& path, const std::string& body, const char* token = kAdminToken) {
    Reply r = server->call(method, path, token, body, {{"Content-Type", "application/json"}});
    if (r.status < 300) position = merge_positions(position, r.header("X-Position"));
    return r;
  }
  Reply get(const std::string& path, const char* token = kAdminToken) {
    return server->call(verb::get, path, token, "", {{"X-Min-Position", position}});
  }
  // `path`'s view once `test` holds of it: process managers follow a moment later.
  std::string await(const std::string& path, const std::function<bool(const std::string&)>& test) {
    std::string body;
    for (int i = 0; i < 400; ++i) {
      body = get(path).body;
      if (test(body)) return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << path << " never got there: " << body;
    return body;
  }
  std::string await_field(const std::string& path, const char* name, const std::string& want) {
    return await(path, [&](const std::string& b) { return field(b, name) == want; });
  }
  void ok(verb method, const std::string& path, const std::string& body, const char* token = kAdminToken) {
    const Reply r = send(method, path, body, token);
    ASSERT_LT(r.status, 300) << path << ": " << r.body;
  }
  void SetUp() override {
    ok(verb::put, "/v1/customers/C-1", R"({"name":"Wang","region":"north","location":{"lat":39.91,"lon":116.40}})");
    ok(verb::put, "/v1/products/WM-7", R"({"name":"Washer","category":"washer","required_skill":"washers","warranty_months":24})");
    // Out of warranty since 2020: the default charging applies.
    ok(verb::put, "/v1/units/SN-1", R"({"product_model":"WM-7","customer_id":"C-1","warranty_until":"2020-01-01T00:00:00Z"})");
    ok(verb::put, "/v1/parts/P-PUMP", R"({"name":"Drain pump","price":25000,"unit":"pcs","abc_class":"A"})");
    ok(verb::put, "/v1/parts/P-BELT", R"({"name":"Drive belt","price":3000})");
    const std::pair<const char*, const char*> warehouses[] = {
        {"W-C", R"({"name":"Central","region":"north","kind":"central"})"},
        {"W-V7", R"({"name":"Li's van","region":"north","kind":"van"})"},
        {"W-O1", R"({"name":"Haidian shelf","region":"north","kind":"outlet"})"}};
    for (const auto& [id, body] : warehouses) ok(verb::put, std::string("/v1/warehouses/") + id, body);
    ok(verb::put, "/v1/outlets/O-1", R"({"name":"Haidian service","region":"north","warehouse_id":"W-O1","fee_per_visit":{"on_site":8000,"phone":1000}})");
    ok(verb::post, "/v1/outlets/O-1/certify", R"({"reason":"audit passed"})");
    ok(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true,"outlet_id":"O-1","skills":["washers"],"location":{"lat":39.92,"lon":116.41},"van_warehouse_id":"W-V7"})");
    ok(verb::put, "/v1/engineers/E-8", R"({"name":"Wu","region":"north","active":true,"outlet_id":"O-1","skills":["fridges"]})");
    ok(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-PUMP","qty":5}]})", kNorthWarehouseToken);
    ok(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-V7","lines":[{"part_no":"P-BELT","qty":2}]})", kNorthWarehouseToken);
  }
  std::string open_request() {
    const Reply r = send(verb::post, "/v1/requests",
                         R"({"customer_id":"C-1","channel":"phone","type":"repair","serial_no":"SN-1","product_model":"WM-7","problem_code":"E21"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return field(r.body, "id");
  }
  // Dispatched to E-7, accepted, on the way and arrived: the visit's id.
  std::string arrive(const std::string& request, const std::string& order) {
    const Reply d = send(verb::post, "/v1/requests/" + request + "/dispatch", order, kNorthDispatcherToken);
    EXPECT_EQ(d.status, 201) << d.body;
    const std::string id = field(d.body, "id");
    await_field("/v1/requests/" + request, "status", "assigned");
    for (const char* action : {"accept", "depart"}) EXPECT_EQ(send(verb::post, "/v1/dispatches/" + id + "/" + action, "{}", kEngineerE7Token).status, 200);
    const Reply arrived = send(verb::post, "/v1/dispatches/" + id + "/arrive", "{}", kEngineerE7Token);
    EXPECT_EQ(arrived.status, 200) << arrived.body;
    EXPECT_EQ(field(arrived.body, "visit_id"), id) << arrived.body;
    return id;
  }
};

TEST_P(VisitTest, AVisitNeedsAPartTheRequestWaitsForItAndASecondVisitFixesIt) {
  const std::string request = open_request();
  // The dispatch reserves its part on the engineer's van (its parts warehouse).
  const std::string v1 = arrive(request, R"({"mode":"auto","parts":[{"part_no":"P-BELT","qty":1}]})");
  const std::string offered = get("/v1/dispatches/" + v1).body;
  EXPECT_EQ(field(offered, "parts_warehouse_id"), "W-V7");
  // Auto mode knew E-7's van had the belt, and stored that in its ranking.
  EXPECT_NE(offered.find(R"("open_dispatches":0,"skill_match":true,"parts_on_hand":true)"),
            std::string::npos) << offered;
  EXPECT_EQ(number(await("/v1/stock/W-V7/P-BELT", [](const std::string& b) { return number(b, "reserved") == 1; }), "available"), 1);
  const std::string visit = await_field("/v1/visits/" + v1, "status", "open");
  EXPECT_EQ(get("/v1/visits/" + v1, kEngineerE7Token).status, 200);
  EXPECT_EQ(field(visit, "serial_no"), "SN-1");

  // The belt is used (from the reservation); the old one goes back as defective.
  const Reply used = send(verb::post, "/v1/visits/" + v1 + "/parts",
                          R"({"part_no":"P-BELT","qty":1,"warehouse_id":"W-V7","serials_installed":["BELT-NEW-1"],"serials_removed":["BELT-OLD-1"]})",
                          kEngineerE7Token);
  ASSERT_EQ(used.status, 200) << used.body;
  await("/v1/visits/" + v1, [](const std::string& b) { return b.find(R"("issue":"issued")") != std::string::npos; });
  const std::string belt = await("/v1/stock/W-V7/P-BELT", [](const std::string& b) { return number(b, "defective") == 1; });
  EXPECT_EQ(number(belt, "on_hand"), 1);
  EXPECT_EQ(number(belt, "reserved"), 0);
  // The van has no pump: a clear 409, and nothing recorded.
  const Reply no_pump = send(verb::post, "/v1/visits/" + v1 + "/parts", R"({"part_no":"P-PUMP","qty":1})", kEngineerE7Token);
  EXPECT_EQ(no_pump.status, 409) << no_pump.body;
  EXPECT_NE(field(no_pump.body, "detail").find("0 available"), std::string::npos) << no_pump.body;

  // It needs a pump: the dispatch finishes, the request waits for the part.
  const Reply needs = send(verb::post, "/v1/visits/" + v1 + "/complete",
                           R"({"outcome":"needs_parts","work_minutes":30,"actual_problem_code":"PUMP","parts_needed":[{"part_no":"P-PUMP","qty":1}]})",
                           kEngineerE7Token);
  ASSERT_EQ(needs.status, 200) << needs.body;
  EXPECT_NE(needs.body.find(R"("method":"time_and_material","basis":"default")"), std::string::npos) << needs.body;
  const std::string waiting = await_field("/v1/requests/" + request, "status", "suspended");
  EXPECT_EQ(field(waiting, "suspend_reason"), "awaiting_parts");
  EXPECT_EQ(field(get("/v1/dispatches/" + v1).body, "status"), "finished");
  EXPECT_EQ(send(verb::post, "/v1/visits/" + v1 + "/complete", R"({"outcome":"fixed"})", kEngineerE7Token).status, 409);

  // The pump is transferred from central to the van; its arrival resumes the request.
  const Reply transfer = send(verb::post, "/v1/stock/transfers", R"({"from":"W-C","to":"W-V7","lines":[{"part_no":"P-PUMP","qty":1}]})", kNorthWarehouseToken);
  ASSERT_EQ(transfer.status, 201) << transfer.body;
  const std::string t = field(transfer.body, "id");
  await_field("/v1/stock/transfers/" + t, "status", "in_transit");
  EXPECT_EQ(field(get("/v1/requests/" + request).body, "status"), "suspended");
  ASSERT_EQ(send(verb::post, "/v1/stock/transfers/" + t + "/receive", "{}", kNorthWarehouseToken).status, 200);
  await_field("/v1/requests/" + request, "status", "awaiting_assignment");
  EXPECT_EQ(field(get("/v1/visits/" + v1).body, "parts_ready"), "true");

  // The second visit fixes it with the pump, signed by the customer.
  const std::string v2 = arrive(request, R"({"engineer_id":"E-7","parts":[{"part_no":"P-PUMP","qty":1}]})");
  ASSERT_NE(v1, v2);
  ASSERT_EQ(send(verb::post, "/v1/visits/" + v2 + "/parts", R"({"part_no":"P-PUMP","qty":1,"serials_installed":["PUMP-9"]})", kEngineerE7Token).status, 200);
  await("/v1/visits/" + v2, [](const std::string& b) { return b.find(R"("issue":"issued")") != std::string::npos; });
  // The engineer's app sends the completion twice at once (a retry on a flaky network), with one Idempotency-Key.
  const std::string done = R"({"outcome":"fixed","work_minutes":45,"notes":"pump replaced","customer_signature":{"name":"Wang","signed_at":"2026-11-25T10:00:00Z"}})";
  Reply fixed, twin;
  std::thread other([&] {
    twin = server->call(verb::post, "/v1/visits/" + v2 + "/complete", kEngineerE7Token, done,
                        {{"Content-Type", "application/json"}, {"Idempotency-Key", "complete-" + v2}});
  });
  fixed = server->call(verb::post, "/v1/visits/" + v2 + "/complete", kEngineerE7Token, done,
                       {{"Content-Type", "application/json"}, {"Idempotency-Key", "complete-" + v2}});
  other.join();
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  ASSERT_EQ(twin.status, 200) << twin.body;
  EXPECT_EQ(field(fixed.body, "version"), field(twin.body, "version"));
  position = merge_positions(position, fixed.header("X-Position"));
  // 45 min at 120.00/h = 90.00, plus the pump 250.00.
  EXPECT_NE(fixed.body.find(R"("labour_rate":12000,"labour_minutes":45,"labour":9000)"), std::string::npos) << fixed.body;
  EXPECT_NE(fixed.body.find(R"("parts_value":25000,"parts_charged":25000,"total":34000,"dispatch_type":"on_site","outlet_fee":8000)"), std::string::npos) << fixed.body;
  await_field("/v1/requests/" + request, "status", "processed");
  EXPECT_EQ(number(get("/v1/stock/W-V7/P-PUMP").body, "on_hand"), 0);

  // A later price never changes a stored charge.
  ok(verb::put, "/v1/parts/P-PUMP", R"({"name":"Drain pump","price":99900})");
  EXPECT_NE(get("/v1/visits/" + v2).body.find(R"("total":34000)"), std::string::npos);

  const Reply visits = get("/v1/requests/" + request + "/visits");
  ASSERT_EQ(visits.status, 200) << visits.body;
  EXPECT_TRUE(visits.body.find(v1) < visits.body.find(v2)) << visits.body;

  // The parts reports: this month's demand, the ABC classes by value, the hit rate of first visits.
  const Reply demand = get("/v1/parts/P-PUMP/demand?months=3", kNorthWarehouseToken);
  ASSERT_EQ(demand.status, 200) << demand.body;
  EXPECT_NE(demand.body.find(R"("issued":1,"complete":false}])"), std::string::npos) << demand.body;
  EXPECT_NE(demand.body.find(R"("over_months":3,"issued":0)"), std::string::npos) << demand.body;
  EXPECT_EQ(number(get("/v1/parts/P-PUMP/demand", kSouthAgentToken).body, "issued"), 0);  // another region's consumption
  EXPECT_EQ(get("/v1/parts/P-NONE/demand").status, 404);
  EXPECT_EQ(get("/v1/parts/P-PUMP/demand?months=0").status, 400);
  const Reply abc = get("/v1/stats/parts-abc?months=1");
  ASSERT_EQ(abc.status, 200) << abc.body;
  EXPECT_NE(abc.body.find(R"({"part_no":"P-PUMP","issued":1,"value":99900,"class":"A","configured_class":null})"), std::string::npos) << abc.body;
  EXPECT_NE(abc.body.find(R"({"part_no":"P-BELT","issued":1,"value":3000,"class":"C","configured_class":null})"), std::string::npos) << abc.body;
  const Reply hits = get("/v1/stats/parts-hit-rate");
  EXPECT_NE(hits.body.find(R"({"first_visits":1,"with_every_part":0,"hit_rate":0})"), std::string::npos) << hits.body;
  EXPECT_EQ(get("/v1/stats/parts-hit-rate", kEngineerE7Token).status, 403);

  // The outlet's month: two on-site visits, each line pointing at its event.
  const std::string month = field(get("/v1/visits/" + v2).body, "completed_at").substr(0, 7);
  const Reply settlement = get("/v1/outlets/O-1/settlement?month=" + month, kManagerToken);
  ASSERT_EQ(settlement.status, 200) << settlement.body;
  EXPECT_NE(settlement.body.find(R"("totals":{"visits":2,"fees":16000,"fee:on_site":16000,"fee:installation":0,"fee:phone":0,"labour":15000,"parts_value":28000,"parts_charged":28000,"customer_charges":43000,"warranty_visits":0},"payable":16000)"),
            std::string::npos) << settlement.body;
  EXPECT_TRUE(settlement.body.find("\"visit_id\":\"" + v1) < settlement.body.find("\"visit_id\":\"" + v2)) << settlement.body;
  EXPECT_NE(settlement.body.find(R"("source":{"event_id":")"), std::string::npos) << settlement.body;
  const Reply page = get("/v1/outlets/O-1/settlement?limit=1&month=" + month, kAuditorToken);
  ASSERT_EQ(page.status, 200);
  const Reply next = get("/v1/outlets/O-1/settlement?limit=1&month=" + month + "&cursor=" + field(page.body, "next_cursor"), kAuditorToken);
  EXPECT_NE(next.body.find("\"visit_id\":\"" + v2), std::string::npos) << next.body;
  EXPECT_EQ(field(next.body, "next_cursor"), "null");

  // The audit of the case shows the visits and the part movements they caused.
  server.reset();
  std::string audit;
  ASSERT_EQ(run_aftercare(with_log_args({"audit", request}, tmp.sub("data"), broker.get()), &audit), 0) << audit;
  for (const char* e : {"visit.opened", "visit.parts_used", "stock.reserved", "stock.issued", "stock.defective_returned",
                        "visit.completed", "request.suspended", "stock.awaited", "stock.awaited_available", "visit.parts_ready",
                        "request.resumed", "request.reported"})
    EXPECT_NE(audit.find(e), std::string::npos) << e << " missing from the audit";
  // One completion per visit, however often it was sent.
  size_t completions = 0;
  for (size_t at = audit.find("aftercare.visit.completed"); at != std::string::npos; at = audit.find("aftercare.visit.completed", at + 1))
    ++completions;
  EXPECT_EQ(completions, 2u) << audit;
  expect_rebuild_and_chains_verify(tmp.sub("data"), broker.get());
}

TEST_P(VisitTest, VisitsAreScopedAndBadInputIsRefusedClearly) {
  const std::string request = open_request();
  const std::string v = arrive(request, R"({"engineer_id":"E-7"})");
  const std::string parts = "/v1/visits/" + v + "/parts", complete = "/v1/visits/" + v + "/complete";
  // Another engineer, another region: as if it did not exist. Roles that may not act: 403.
  EXPECT_EQ(get("/v1/visits/" + v, kEngineerE8Token).status, 404);
  EXPECT_EQ(get("/v1/visits/" + v, kSouthAgentToken).status, 404);
  EXPECT_EQ(field(send(verb::post, complete, R"({"outcome":"fixed"})", kEngineerE8Token).body, "detail"),
            field(send(verb::post, "/v1/visits/NOPE.1/complete", R"({"outcome":"fixed"})", kEngineerE8Token).body, "detail"));
  EXPECT_EQ(send(verb::post, complete, R"({"outcome":"fixed"})", kAgentToken).status, 403);
  EXPECT_EQ(get("/v1/outlets/O-1/settlement?month=2026-11", kNorthDispatcherToken).status, 403);
  EXPECT_EQ(get("/v1/outlets/O-1/settlement?month=2026-11", kSouthAgentToken).status, 403);
  EXPECT_EQ(get("/v1/outlets/O-NONE/settlement?month=2026-11", kManagerToken).status, 404);
  EXPECT_EQ(get("/v1/outlets/O-1/settlement?month=2026-13", kManagerToken).status, 400);
  EXPECT_EQ(get("/v1/outlets/O-1/settlement", kManagerToken).status, 400);

  struct Case {
    std::string path, body;
    unsigned status;
  };
  const std::vector<Case> cases = {
      {complete, "{\"outcome\":\"fixed\",\"notes\":\"\xff\xfe\"}", 400},
      {complete, R"({"outcome":"mended"})", 422},
      {complete, R"({"outcome":"fixed","work_minutes":"45"})", 400},
      {complete, R"({"outcome":"fixed","work_minutes":-1})", 422},
      {complete, R"({"outcome":"needs_parts"})", 422},
      {complete, R"({"outcome":"fixed","parts_needed":[{"part_no":"P-PUMP","qty":1}]})", 422},
      {complete, R"({"outcome":"needs_parts","parts_needed":[{"part_no":"P-PUMP","qty":1},{"part_no":"P-PUMP","qty":2}]})", 422},
      {complete, R"({"outcome":"fixed","customer_signature":{"name":"Wang"}})", 422},
      {complete, R"({"outcome":"fixed","customer_signature":"Wang"})", 400},
      {parts, R"({"part_no":"P-BELT"})", 422},
      {parts, R"({"part_no":"P-BELT","qty":0})", 422},
      {parts, R"({"part_no":"P-BELT","qty":1.5})", 400},
      {parts, R"({"part_no":"P-NONE","qty":1})", 422},
      {parts, R"({"part_no":"P-BELT","qty":1,"warehouse_id":"W-C"})", 422},  // not the engineer's to take from
      {parts, R"({"part_no":"P-BELT","qty":1,"serials_installed":["A","B"]})", 422},
      {parts, R"({"part_no":"P-BELT","qty":2,"serials_removed":["A","A"]})", 422},
      {parts, "{\"part_no\":\"P-BELT\",\"qty\":1,\"serials_removed\":[\"\xc3\x28\"]}", 400},
      {parts, R"({"part_no":"P-BELT","qty":3})", 409},
  };
  for (const Case& c : cases) {
    const Reply r = send(verb::post, c.path, c.body, kEngineerE7Token);
    EXPECT_EQ(r.status, c.status) << c.path << " " << c.body << ": " << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << c.body;
  }
  // Nothing the refusals sent was recorded.
  const std::string view = get("/v1/visits/" + v).body;
  EXPECT_EQ(field(view, "parts"), "[]") << view;
  EXPECT_EQ(field(view, "status"), "open");
  // A dispatch that is not on site any more: its visit cannot complete.
  ASSERT_EQ(send(verb::post, "/v1/dispatches/" + v + "/cancel", R"({"reason":"customer away"})", kNorthDispatcherToken).status, 200);
  const Reply late = send(verb::post, complete, R"({"outcome":"fixed"})", kEngineerE7Token);
  EXPECT_EQ(late.status, 409) << late.body;
}

// kill -9 right after six visits recorded their parts and completed with
// needs_parts, while the process manager is issuing, returning, finishing,
// suspending and awaiting: after the restart every step happened once.
TEST_P(VisitTest, KillDashNineWhileVisitsAreFollowedNeitherLosesNorDoublesAStep) {
  ok(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-V7","lines":[{"part_no":"P-BELT","qty":20}]})", kNorthWarehouseToken);
  std::vector<std::string> requests, visits;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(open_request());
    visits.push_back(arrive(requests.back(), R"({"engineer_id":"E-7","parts":[{"part_no":"P-BELT","qty":1}]})"));
  }
  for (size_t i = 0; i < visits.size(); ++i) {
    const std::string used = R"({"part_no":"P-BELT","qty":1,"serials_removed":["OLD-)" + std::to_string(i) + R"("]})";
    ASSERT_EQ(send(verb::post, "/v1/visits/" + visits[i] + "/parts", used, kEngineerE7Token).status, 200);
    ASSERT_EQ(send(verb::post, "/v1/visits/" + visits[i] + "/complete",
                   R"({"outcome":"needs_parts","work_minutes":10,"parts_needed":[{"part_no":"P-PUMP","qty":1}]})", kEngineerE7Token).status,
              200);
  }
  server->kill9();
  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
  position.clear();
  for (const std::string& r : requests) await_field("/v1/requests/" + r, "suspend_reason", "awaiting_parts");
  for (const std::string& v : visits) {
    const std::string view = await("/v1/visits/" + v, [](const std::string& b) { return b.find(R"("issue":"issued")") != std::string::npos; });
    EXPECT_EQ(field(view, "status"), "completed");
    EXPECT_EQ(field(get("/v1/dispatches/" + v).body, "status"), "finished");
  }
  // 22 belts, 6 issued once each, none left reserved, 6 old ones back.
  const std::string belts = await("/v1/stock/W-V7/P-BELT", [](const std::string& b) { return number(b, "reserved") == 0 && number(b, "defective") == 6; });
  EXPECT_EQ(number(belts, "on_hand"), 16) << belts;
  // The pumps arrive: every request resumes, once.
  const Reply t = send(verb::post, "/v1/stock/transfers", R"({"from":"W-C","to":"W-V7","lines":[{"part_no":"P-PUMP","qty":5}]})", kNorthWarehouseToken);
  ASSERT_EQ(t.status, 201) << t.body;
  await_field("/v1/stock/transfers/" + field(t.body, "id"), "status", "in_transit");
  ASSERT_EQ(send(verb::post, "/v1/stock/transfers/" + field(t.body, "id") + "/receive", "{}", kNorthWarehouseToken).status, 200);
  // Five pumps for six waiting visits: five are told (first come, first served), one still waits.
  int resumed = 0;
  for (int i = 0; i < 200 && resumed < 5; ++i) {
    resumed = 0;
    for (const std::string& r : requests) resumed += field(get("/v1/requests/" + r).body, "status") == "awaiting_assignment";
    if (resumed < 5) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(resumed, 5);
  const std::string pumps = get("/v1/stock/W-V7/P-PUMP").body;
  EXPECT_NE(pumps.find(R"("awaiting":[{"visit_id":")"), std::string::npos) << "one visit still waits: " << pumps;
  server.reset();
  expect_rebuild_and_chains_verify(tmp.sub("data"), broker.get());
}

INSTANTIATE_TEST_SUITE_P(Logs, VisitTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
