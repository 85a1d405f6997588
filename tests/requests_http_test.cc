// The service request API against a real `aftercare serve` process.
#include <gtest/gtest.h>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

// Every test runs twice: on the embedded log and on Kafka (a dev broker of its own).
class RequestsHttpTest : public ServerOnEitherLog {
 protected:

  void SetUp() override {
    ASSERT_EQ(put("/v1/customers/C-1001", R"({"name":"王芳","region":"north","phone":"+86 24 1234 5678"})"), 201);
    ASSERT_EQ(put("/v1/customers/C-2002", R"({"name":"Zhao","region":"south"})"), 201);
    ASSERT_EQ(put("/v1/units/WM7-000123", R"({"product_model":"WM-7","customer_id":"C-1001"})"), 201);
    ASSERT_EQ(put("/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true})"), 201);
    ASSERT_EQ(put("/v1/engineers/E-8", R"({"name":"Wu","region":"north","active":true})"), 201);
    ASSERT_EQ(put("/v1/engineers/E-9", R"({"name":"Old","region":"north","active":false})"), 201);
  }
  int put(const std::string& path, const std::string& body) {
    return server->call(verb::put, path, kAdminToken, body).status;
  }
  // Like a client that reads its own writes: every GET waits for the
  // position of the last successful command.
  Reply post(const std::string& path, const std::string& token, const std::string& body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    Reply r = server->call(verb::post, path, token, body, std::move(headers));
    if (r.status < 300 && !r.header("X-Position").empty())
      last_position_ = merge_positions(last_position_, r.header("X-Position"));
    return r;
  }
  Reply get(const std::string& path, const std::string& token, const std::string& position = "") {
    std::vector<std::pair<std::string, std::string>> h;
    const std::string& wait_for = position.empty() ? last_position_ : position;
    if (!wait_for.empty()) h.emplace_back("X-Min-Position", wait_for);
    return server->call(verb::get, path, token, "", h);
  }
  std::string last_position_;
  std::string open(const std::string& extra = "", const std::string& token = kAgentToken) {
    auto r = post("/v1/requests", token,
                  R"({"customer_id":"C-1001","channel":"phone","type":"repair","serial_no":"WM7-000123",)"
                  R"("problem_code":"E21","description":"drum does not spin","required_by":"2099-01-01T00:00:00Z")" +
                      extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return field(r.body, "id");
  }
  std::string open_south() {
    auto r = post("/v1/requests", kSouthAgentToken, R"({"customer_id":"C-2002","channel":"sms","type":"repair"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return field(r.body, "id");
  }
  Reply act(const std::string& id, const std::string& action, const std::string& token, const std::string& body = "{}") {
    return post("/v1/requests/" + id + "/" + action, token, body);
  }
};

TEST_P(RequestsHttpTest, PhoneCallToSatisfiedCallback) {
  auto r = post("/v1/requests", kAgentToken,
                R"({"customer_id":"C-1001","channel":"phone","type":"repair","serial_no":"WM7-000123",)"
                R"("problem_code":"E21","description":"drum does not spin","required_by":"2099-01-01T00:00:00Z"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = field(r.body, "id");
  EXPECT_EQ(r.header("Location"), "/v1/requests/" + id);
  EXPECT_EQ(r.header("ETag"), "\"1\"");
  EXPECT_EQ(field(r.body, "status"), "awaiting_assignment");
  EXPECT_EQ(field(r.body, "region"), "north") << "taken from the customer";
  EXPECT_EQ(field(r.body, "product_model"), "WM-7") << "taken from the unit";

  auto a = act(id, "assign", kNorthDispatcherToken, R"({"engineer_id":"E-7","note":"nearest"})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(field(a.body, "status"), "assigned");
  EXPECT_EQ(field(a.body, "engineer_id"), "E-7");
  EXPECT_EQ(a.header("ETag"), "\"2\"");

  auto rep = act(id, "report", kEngineerE7Token, R"({"outcome":"resolved","work_minutes":40,"notes":"new belt"})");
  ASSERT_EQ(rep.status, 200) << rep.body;
  EXPECT_EQ(field(rep.body, "status"), "processed");

  auto cb = act(id, "callback", kAgentToken,
                R"({"satisfied":true,"scores":{"attitude":5,"skill":4,"timeliness":5,"resolution":5,"parts_lead_time":4}})");
  ASSERT_EQ(cb.status, 200) << cb.body;
  EXPECT_EQ(field(cb.body, "status"), "closed");

  auto view = get("/v1/requests/" + id, kAuditorToken, cb.header("X-Position"));
  ASSERT_EQ(view.status, 200);
  EXPECT_EQ(view.body, cb.body);
  EXPECT_EQ(view.header("ETag"), "\"4\"");

  auto events = get("/v1/requests/" + id + "/events", kAuditorToken);
  ASSERT_EQ(events.status, 200);
  for (const char* t : {"request.opened.v1", "request.assigned.v2", "request.reported.v3", "request.callback_recorded.v1"})
    EXPECT_NE(events.body.find(t), std::string::npos) << t;
  EXPECT_NE(events.body.find(R"("actor":"engineer:li")"), std::string::npos);
  EXPECT_EQ(field(events.body, "next_cursor"), "null");
  // A page at a time: four events, two per page.
  auto first = get("/v1/requests/" + id + "/events?limit=2", kAuditorToken);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find("request.assigned.v2"), std::string::npos);
  EXPECT_EQ(first.body.find("request.reported.v3"), std::string::npos);
  ASSERT_EQ(field(first.body, "next_cursor"), "2");
  auto second = get("/v1/requests/" + id + "/events?limit=2&cursor=2", kAuditorToken);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.body.find("request.opened.v1"), std::string::npos);
  EXPECT_NE(second.body.find("request.callback_recorded.v1"), std::string::npos);
  EXPECT_EQ(field(second.body, "next_cursor"), "null");
  EXPECT_EQ(get("/v1/requests/" + id + "/events?cursor=x", kAuditorToken).status, 400);
  EXPECT_EQ(get("/v1/requests/" + id + "/events?limit=0", kAuditorToken).status, 400);
  EXPECT_EQ(get("/v1/requests/" + id + "/events?cursor=99", kAuditorToken).body, R"({"items":[],"next_cursor":null})");

  auto history = get("/v1/customers/C-1001/history", kAgentToken);
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(field(history.body, "open_requests"), "0");
  EXPECT_NE(history.body.find("WM7-000123"), std::string::npos);
  EXPECT_NE(history.body.find(id), std::string::npos);

  auto stats = get("/v1/stats/problems?product_model=WM-7", kAuditorToken);
  EXPECT_EQ(stats.body, R"({"items":[{"product_model":"WM-7","problem_code":"E21","count":1}]})");
}

TEST_P(RequestsHttpTest, TwoFailedAttemptsLockForTheServiceManager) {
  const std::string id = open();
  ASSERT_EQ(act(id, "assign", kManagerToken, R"({"engineer_id":"E-7"})").status, 200);
  auto first = act(id, "report", kEngineerE7Token, R"({"outcome":"unresolved","notes":"needs a part"})");
  EXPECT_EQ(field(first.body, "status"), "awaiting_assignment");
  EXPECT_EQ(field(first.body, "attempts"), "1");
  ASSERT_EQ(act(id, "assign", kManagerToken, R"({"engineer_id":"E-8"})").status, 200);
  auto second = act(id, "report", kEngineerE8Token, R"({"outcome":"not_attended"})");
  EXPECT_EQ(field(second.body, "status"), "locked");
  EXPECT_EQ(field(second.body, "lock_reason"), "two_failed_attempts");

  auto refused = act(id, "assign", kNorthDispatcherToken, R"({"engineer_id":"E-7"})");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(field(refused.body, "current_status"), "locked");
  EXPECT_EQ(act(id, "unlock", kAgentToken, R"({"decision":"reassign"})").status, 403);
  auto unlocked = act(id, "unlock", kManagerToken, R"({"decision":"close","note":"replaced the machine"})");
  EXPECT_EQ(field(unlocked.body, "status"), "closed");
}

TEST_P(RequestsHttpTest, IdempotencyKeyReturnsTheOriginalResponse) {
  const std::string body = R"({"customer_id":"C-1001","channel":"web","type":"consultation"})";
  auto first = post("/v1/requests", kAgentToken, body, {{"Idempotency-Key", "web-form-42"}});
  ASSERT_EQ(first.status, 201);
  auto retry = post("/v1/requests", kAgentToken, body, {{"Idempotency-Key", "web-form-42"}});
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_FALSE(retry.header("X-Position").empty());
  EXPECT_EQ(retry.header("ETag"), first.header("ETag"));
  auto other = post("/v1/requests", kAgentToken, R"({"customer_id":"C-1001","channel":"sms","type":"consultation"})",
                    {{"Idempotency-Key", "web-form-42"}});
  EXPECT_EQ(other.status, 422) << other.body;
  // Exactly one request exists for the key: listed once, and no second consultation.
  auto list = get("/v1/requests?customer_id=C-1001&type=consultation", kAgentToken, first.header("X-Position"));
  const std::string item = "\"id\":\"" + field(first.body, "id") + "\"";
  ASSERT_NE(list.body.find(item), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find(item), list.body.rfind(item));
  EXPECT_EQ(list.body.find("\"type\":\"consultation\""), list.body.rfind("\"type\":\"consultation\""));

  const std::string id = field(first.body, "id");
  auto s1 = post("/v1/requests/" + id + "/suspend", kAgentToken, R"({"reason":"customer away"})", {{"Idempotency-Key", "s-1"}});
  ASSERT_EQ(s1.status, 200);
  ASSERT_EQ(act(id, "resume", kAgentToken).status, 200);
  // A retry after the request moved on still answers with the original outcome.
  auto s2 = post("/v1/requests/" + id + "/suspend", kAgentToken, R"({"reason":"customer away"})", {{"Idempotency-Key", "s-1"}});
  EXPECT_EQ(s2.status, 200);
  EXPECT_EQ(s2.body, s1.body);
  EXPECT_EQ(post("/v1/requests", kAgentToken, body, {{"Idempotency-Key", std::string(129, 'k')}}).status, 400);
}

TEST_P(RequestsHttpTest, IfMatchGuardsAgainstLostUpdates) {
  const std::string id = open();
  auto stale = post("/v1/requests/" + id + "/assign", kManagerToken, R"({"engineer_id":"E-7"})", {{"If-Match", "\"7\""}});
  EXPECT_EQ(stale.status, 412);
  auto ok = post("/v1/requests/" + id + "/assign", kManagerToken, R"({"engineer_id":"E-7"})", {{"If-Match", "\"1\""}});
  EXPECT_EQ(ok.status, 200);
}

TEST_P(RequestsHttpTest, RolesRegionsAndEngineers) {
  const std::string id = open();
  EXPECT_EQ(post("/v1/requests", kAuditorToken, R"({"customer_id":"C-1001","channel":"phone","type":"repair"})").status, 403);
  EXPECT_EQ(post("/v1/requests", kNorthDispatcherToken, R"({"customer_id":"C-1001","channel":"phone","type":"repair"})").status, 403);
  // What a token may not see answers as what does not exist (api/access.h).
  EXPECT_EQ(post("/v1/requests", kSouthAgentToken, R"({"customer_id":"C-1001","channel":"phone","type":"repair"})").status, 422)
      << "C-1001 is in the north: for a south token it is an unknown customer";
  EXPECT_EQ(act(id, "assign", kAgentToken, R"({"engineer_id":"E-7"})").status, 403);
  EXPECT_EQ(get("/v1/requests/" + id, kSouthAgentToken).status, 404);
  EXPECT_EQ(act(id, "cancel", kSouthAgentToken, R"({"reason":"x"})").status, 404);
  EXPECT_EQ(get("/v1/requests/" + id + "/events", kAgentToken).status, 403);

  ASSERT_EQ(act(id, "assign", kNorthDispatcherToken, R"({"engineer_id":"E-7"})").status, 200);
  EXPECT_EQ(get("/v1/requests/" + id, kEngineerE8Token).status, 404);
  EXPECT_EQ(act(id, "report", kEngineerE8Token, R"({"outcome":"resolved"})").status, 404) << "not E-8's request";
  EXPECT_EQ(get("/v1/requests/" + id, kEngineerE7Token).status, 200);
  EXPECT_EQ(act(id, "report", kEngineerE7Token, R"({"outcome":"resolved"})").status, 200);

  // The south agent's list does not show the north request; the north dispatcher's does.
  const std::string south = open_south();
  EXPECT_EQ(get("/v1/requests", kSouthAgentToken).body.find(id), std::string::npos);
  EXPECT_NE(get("/v1/requests", kSouthAgentToken).body.find(south), std::string::npos);
  EXPECT_NE(get("/v1/requests", kNorthDispatcherToken).body.find(id), std::string::npos);
  EXPECT_EQ(get("/v1/requests", kNorthDispatcherToken).body.find(south), std::string::npos);
}

TEST_P(RequestsHttpTest, ClientMistakesGetTheirStatuses) {
  const std::string id = open();
  EXPECT_EQ(get("/v1/requests/R-nope", kAgentToken).status, 404);
  EXPECT_EQ(act("R-nope", "cancel", kAgentToken, R"({"reason":"x"})").status, 404);
  EXPECT_EQ(act(id, "teleport", kAgentToken).status, 404);
  EXPECT_EQ(server->call(verb::delete_, "/v1/requests/" + id, kAdminToken).status, 405);
  EXPECT_EQ(server->call(verb::get, "/v1/requests/" + id + "/cancel", kAdminToken).status, 405);
  EXPECT_EQ(post("/v1/requests", kAgentToken, R"({"customer_id":"C-404","channel":"phone","type":"repair"})").status, 422);
  EXPECT_EQ(post("/v1/requests", kAgentToken, R"({"customer_id":"C-2002","channel":"phone","type":"repair","serial_no":"WM7-000123"})").status, 422)
      << "the unit belongs to another customer";
  EXPECT_EQ(post("/v1/requests", kAgentToken, R"({"customer_id":"C-1001","channel":"phone","type":"repair","required_by":"2001-01-01T00:00:00Z"})").status, 422);
  EXPECT_EQ(post("/v1/requests", kAgentToken, R"({"customer_id":"C-1001","channel":"phone","type":"complaint"})").status, 422);
  EXPECT_EQ(post("/v1/requests", kAgentToken, R"({"customer_id":"C-1001","channel":7,"type":"repair"})").status, 400);
  EXPECT_EQ(post("/v1/requests", kAgentToken, R"({"customer_id":"C-1001",)").status, 400);
  EXPECT_EQ(server->call(verb::post, "/v1/requests", kAgentToken, R"({"customer_id":"C-1001"})", {{"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(act(id, "assign", kManagerToken, R"({"engineer_id":"E-9"})").status, 422) << "inactive engineer";
  EXPECT_EQ(act(id, "assign", kManagerToken, R"({"engineer_id":"E-404"})").status, 422);
  EXPECT_EQ(act(id, "report", kManagerToken, R"({"outcome":"resolved"})").status, 409);
  EXPECT_EQ(get("/v1/requests?limit=0", kAgentToken).status, 400);
  EXPECT_EQ(get("/v1/requests?limit=501", kAgentToken).status, 400);
  EXPECT_EQ(get("/v1/requests?status=sleeping", kAgentToken).status, 400);
  EXPECT_EQ(get("/v1/requests?cursor=zzz", kAgentToken).status, 400);
  EXPECT_EQ(get("/v1/requests/" + id + "?as_of=yesterday", kManagerToken).status, 400);
  EXPECT_EQ(get("/v1/stats/problems?from=monday", kAgentToken).status, 400);
  EXPECT_EQ(get("/v1/customers/C-404/history", kAgentToken).status, 404);
}

TEST_P(RequestsHttpTest, ListsPageWithCursors) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(open());
  std::string cursor, seen;
  int pages = 0;
  do {
    auto page = get("/v1/requests?customer_id=C-1001&limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), kAgentToken);
    ASSERT_EQ(page.status, 200) << page.body;
    seen += page.body;
    cursor = field(page.body, "next_cursor");
    if (cursor == "null") cursor.clear();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  auto item = [](const std::string& id) { return "\"id\":\"" + id + "\""; };
  for (const auto& id : ids) {
    ASSERT_NE(seen.find(item(id)), std::string::npos) << id << " listed";
    EXPECT_EQ(seen.find(item(id)), seen.rfind(item(id))) << id << " listed exactly once";
  }
  EXPECT_LT(seen.find(item(ids.back())), seen.find(item(ids.front()))) << "newest first";
}

TEST_P(RequestsHttpTest, AsOfShowsThePastAndReplayVerifiesAfterTraffic) {
  auto opened = post("/v1/requests", kAgentToken, R"({"customer_id":"C-1001","channel":"phone","type":"repair"})");
  ASSERT_EQ(opened.status, 201);
  const std::string id = field(opened.body, "id");
  const std::string t0 = field(opened.body, "updated_at");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto assigned = act(id, "assign", kManagerToken, R"({"engineer_id":"E-7"})");
  auto then = get("/v1/requests/" + id + "?as_of=" + t0, kManagerToken, assigned.header("X-Position"));
  ASSERT_EQ(then.status, 200) << then.body;
  EXPECT_EQ(field(then.body, "status"), "awaiting_assignment");
  EXPECT_EQ(field(then.body, "version"), "1");
  EXPECT_EQ(get("/v1/requests/" + id + "?as_of=" + t0, kAgentToken).status, 403);
  EXPECT_EQ(get("/v1/requests/" + id + "?as_of=2000-01-01T00:00:00Z", kManagerToken).status, 404);

  EXPECT_EQ(server->stop(), 0);
  std::string out;
  auto with_log = [&](std::vector<std::string> args) {
    for (auto& a : log_args(tmp.sub("data"), broker.get())) args.push_back(a);
    return args;
  };
  EXPECT_EQ(run_aftercare(with_log({"replay", "--verify"}), &out), 0) << out;
  EXPECT_EQ(run_aftercare(with_log({"audit", "--verify-chains"}), &out), 0) << out;
  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
  last_position_.clear();  // positions stay valid across restarts, but the new server is caught up anyway
  auto after = get("/v1/requests/" + id, kManagerToken);
  EXPECT_EQ(field(after.body, "status"), "assigned") << "state survives a restart";
  EXPECT_EQ(act(id, "report", kEngineerE7Token, R"({"outcome":"resolved"})").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Logs, RequestsHttpTest, ::testing::Values(LogMode::embedded, LogMode::kafka),
                         log_mode_name);

}  // namespace
}  // namespace aftercare
