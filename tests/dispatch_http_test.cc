// Dispatch over HTTP (api-field.md §Dispatches), on both logs: the walk-through
// of the README — a call, automatic dispatch with its explanation, the
// engineer's accept, depart, arrive and finish, the callback — and the ways
// a dispatch ends early, with the request following through the process
// manager.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

class DispatchTest : public ServerOnEitherLog {
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
  // The request as the read side shows it once `name` is `want` (the
  // process manager makes the request follow its dispatch a moment later).
  std::string await_request(const std::string& id, const char* name, const std::string& want) {
    std::string body;
    for (int i = 0; i < 200; ++i) {
      body = get("/v1/requests/" + id).body;
      if (field(body, name) == want) return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << id << ": " << name << " never became " << want << ": " << body;
    return body;
  }
  std::string open_request() {
    Reply r = send(verb::post, "/v1/requests",
                   R"({"customer_id":"C-1","channel":"phone","type":"repair","product_model":"WM-7","problem_code":"E21"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return field(r.body, "id");
  }
  void SetUp() override {
    ASSERT_EQ(send(verb::put, "/v1/customers/C-1", R"({"name":"Wang","region":"north","location":{"lat":39.91,"lon":116.40}})").status, 201);
    ASSERT_EQ(send(verb::put, "/v1/products/WM-7", R"({"name":"Washer","category":"washer","required_skill":"washers","warranty_months":24})").status, 201);
    ASSERT_EQ(send(verb::put, "/v1/outlets/O-1", R"({"name":"Haidian service","region":"north"})").status, 201);
    ASSERT_EQ(send(verb::post, "/v1/outlets/O-1/certify", R"({"reason":"audit passed"})").status, 200);
    ASSERT_EQ(send(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true,"outlet_id":"O-1","skills":["washers"],"location":{"lat":39.92,"lon":116.41}})").status, 201);
    ASSERT_EQ(send(verb::put, "/v1/engineers/E-8", R"({"name":"Wu","region":"north","active":true,"outlet_id":"O-1","skills":["washers"],"location":{"lat":40.2,"lon":116.7}})").status, 201);
    ASSERT_EQ(send(verb::put, "/v1/engineers/E-9", R"({"name":"Zhao","region":"north","active":true,"skills":["fridges"]})").status, 201);
  }
};

TEST_P(DispatchTest, ACallIsDispatchedAutomaticallyAndFollowedToItsCallback) {
  const std::string id = open_request();
  const Reply candidates = get("/v1/requests/" + id + "/dispatch-candidates", kNorthDispatcherToken);
  ASSERT_EQ(candidates.status, 200) << candidates.body;
  const size_t e7 = candidates.body.find("\"E-7\""), e8 = candidates.body.find("\"E-8\""), e9 = candidates.body.find("\"E-9\"");
  ASSERT_TRUE(e7 < e8 && e8 < e9) << "nearest first, the excluded last: " << candidates.body;
  EXPECT_NE(candidates.body.find(R"("excluded_because":"lacks the skill \"washers\"")"), std::string::npos) << candidates.body;
  EXPECT_EQ(get("/v1/requests/" + id + "/dispatch-candidates", kEngineerE7Token).status, 403);
  EXPECT_EQ(get("/v1/requests/" + id + "/dispatch-candidates", kSouthAgentToken).status, 404);

  const Reply dispatched = send(verb::post, "/v1/requests/" + id + "/dispatch", R"({"mode":"auto","accept_within":"PT30M"})",
                                kNorthDispatcherToken);
  ASSERT_EQ(dispatched.status, 201) << dispatched.body;
  const std::string d = field(dispatched.body, "id");
  EXPECT_EQ(d, id + ".1");
  EXPECT_EQ(dispatched.header("Location"), "/v1/dispatches/" + d);
  EXPECT_EQ(field(dispatched.body, "engineer_id"), "E-7");
  EXPECT_EQ(field(dispatched.body, "outlet_id"), "O-1");
  EXPECT_EQ(field(dispatched.body, "status"), "offered");
  EXPECT_EQ(field(dispatched.body, "accept_within"), "PT30M");
  EXPECT_NE(dispatched.body.find(R"("considered":3,"eligible":2,"excluded":{"lacks_skill":1})"), std::string::npos) << dispatched.body;
  const std::string assigned = await_request(id, "status", "assigned");
  EXPECT_EQ(field(assigned, "engineer_id"), "E-7");
  EXPECT_EQ(field(assigned, "dispatch_id"), d);

  // The engineer of the dispatch moves it along; another engineer cannot see it.
  EXPECT_EQ(send(verb::post, "/v1/dispatches/" + d + "/accept", "{}", kEngineerE8Token).status, 404);
  for (const char* action : {"accept", "depart", "arrive"})
    ASSERT_EQ(send(verb::post, "/v1/dispatches/" + d + "/" + action, "{}", kEngineerE7Token).status, 200) << action;
  EXPECT_EQ(send(verb::post, "/v1/dispatches/" + d + "/accept", "{}", kEngineerE7Token).status, 409);
  const Reply finished = send(verb::post, "/v1/dispatches/" + d + "/finish", R"({"outcome":"resolved","work_minutes":40,"notes":"pump replaced"})", kEngineerE7Token);
  ASSERT_EQ(finished.status, 200) << finished.body;
  EXPECT_EQ(field(finished.body, "status"), "finished");
  await_request(id, "status", "processed");
  ASSERT_EQ(send(verb::post, "/v1/requests/" + id + "/callback", R"({"satisfied":true})", kAgentToken).status, 200);

  const Reply view = get("/v1/dispatches/" + d, kEngineerE7Token);
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(field(view.body, "status"), "finished");
  const Reply events = get("/v1/dispatches/" + d + "/events", kAuditorToken);
  ASSERT_EQ(events.status, 200);
  for (const char* t : {"dispatch.offered.v2", "dispatch.accepted.v1", "dispatch.departed.v1", "dispatch.arrived.v1", "dispatch.finished.v1"})
    EXPECT_NE(events.body.find(t), std::string::npos) << t;
  const Reply mine = get("/v1/engineers/E-7/dispatches", kEngineerE7Token);
  EXPECT_NE(mine.body.find(d), std::string::npos) << mine.body;
  EXPECT_EQ(get("/v1/engineers/E-7/dispatches", kEngineerE8Token).status, 404);
  EXPECT_EQ(get("/v1/dispatches/" + d, kSouthAgentToken).status, 404);
}

TEST_P(DispatchTest, ADeclinedAutoDispatchIsOfferedToTheNextCandidateWithoutAFailedAttempt) {
  const std::string id = open_request();
  ASSERT_EQ(send(verb::post, "/v1/requests/" + id + "/dispatch", "{}", kNorthDispatcherToken).status, 201);
  await_request(id, "dispatch_id", id + ".1");
  // An engineer sees the requests and customers of their own dispatches only.
  EXPECT_EQ(get("/v1/requests/" + id, kEngineerE8Token).status, 404);
  EXPECT_EQ(get("/v1/customers/C-1", kEngineerE8Token).status, 404);
  EXPECT_EQ(get("/v1/dispatches/" + id + ".1", kEngineerE8Token).status, 404);
  EXPECT_EQ(get("/v1/requests/" + id, kEngineerE7Token).status, 200);
  EXPECT_EQ(get("/v1/customers/C-1", kEngineerE7Token).status, 200);
  const Reply declined = send(verb::post, "/v1/dispatches/" + id + ".1/decline", R"({"reason":"van broke down"})", kEngineerE7Token);
  ASSERT_EQ(declined.status, 200) << declined.body;
  const std::string next = await_request(id, "dispatch_id", id + ".2");
  EXPECT_EQ(field(next, "engineer_id"), "E-8");
  EXPECT_EQ(field(next, "attempts"), "0");
  EXPECT_EQ(get("/v1/requests/" + id, kEngineerE8Token).status, 200) << "now E-8's";
  EXPECT_EQ(get("/v1/customers/C-1", kEngineerE8Token).status, 200);
  EXPECT_EQ(get("/v1/requests/" + id, kEngineerE7Token).status, 404) << "no longer E-7's";
  const Reply list = get("/v1/dispatches", kEngineerE8Token);
  EXPECT_NE(list.body.find(id + ".2"), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find(id + ".1"), std::string::npos) << "E-7's dispatch is not on E-8's list: " << list.body;
  const Reply second = get("/v1/dispatches/" + id + ".2");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.body.find(R"("passed_over":["E-7"])"), std::string::npos) << second.body;
  EXPECT_NE(second.body.find(R"("passed_over":1)"), std::string::npos) << "counted in the ranking: " << second.body;

  // Cancelled by the dispatcher: back to awaiting, no re-offer.
  ASSERT_EQ(send(verb::post, "/v1/dispatches/" + id + ".2/cancel", R"({"reason":"customer away"})", kNorthDispatcherToken).status, 200);
  await_request(id, "status", "awaiting_assignment");
  // The read model can show the request back in awaiting_assignment a moment
  // before the write side's head does (the head moves when the bus hears the
  // append acknowledged; the projections may read the record first). A client
  // that acts on what it just read retries that 409, as this one does; the
  // closing note of issue 16 names the window.
  auto dispatch_auto = [&] {
    Reply r;
    for (int i = 0; i < 100; ++i) {
      r = send(verb::post, "/v1/requests/" + id + "/dispatch", R"({"mode":"auto"})", kNorthDispatcherToken);
      if (r.status != 409 || field(r.body, "current_status") != "assigned") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return r;
  };
  // Everyone left is passed over or lacks the skill: 409 with the reasons.
  const Reply nobody = dispatch_auto();
  ASSERT_EQ(nobody.status, 201) << "E-8 was cancelled, not declined: " << nobody.body;
  // Wait for the request to follow the new offer; its status was already awaiting_assignment before it.
  await_request(id, "dispatch_id", id + ".3");
  ASSERT_EQ(send(verb::post, "/v1/dispatches/" + id + ".3/decline", R"({"reason":"too far"})", kEngineerE8Token).status, 200);
  await_request(id, "status", "awaiting_assignment");
  const Reply none = dispatch_auto();
  EXPECT_EQ(none.status, 409) << none.body;
  EXPECT_NE(field(none.body, "detail").find("no eligible engineer"), std::string::npos) << none.body;
}

TEST_P(DispatchTest, AssignStillWorksAndCreatesADispatch) {
  const std::string id = open_request();
  const Reply assigned = send(verb::post, "/v1/requests/" + id + "/assign", R"({"engineer_id":"E-9","note":"he knows the site"})",
                              kNorthDispatcherToken);
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(field(assigned.body, "status"), "assigned");
  EXPECT_EQ(field(assigned.body, "dispatch_id"), id + ".1");
  const Reply d = get("/v1/dispatches/" + id + ".1");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(field(d.body, "mode"), "manual");
  EXPECT_EQ(field(d.body, "ranking"), "null");
  EXPECT_EQ(send(verb::post, "/v1/requests/" + id + "/assign", R"({"engineer_id":"E-8"})", kNorthDispatcherToken).status, 409);
  // The engineer reports through the request: the dispatch ends with it.
  ASSERT_EQ(send(verb::post, "/v1/dispatches/" + id + ".1/accept", "{}", kAdminToken).status, 200);
  ASSERT_EQ(send(verb::post, "/v1/requests/" + id + "/report", R"({"outcome":"unresolved","notes":"needs a part"})", kAdminToken).status, 200);
  for (int i = 0; i < 200 && field(get("/v1/dispatches/" + id + ".1").body, "status") != "finished"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const Reply ended = get("/v1/dispatches/" + id + ".1");
  EXPECT_EQ(field(ended.body, "status"), "finished") << ended.body;
  EXPECT_EQ(field(ended.body, "outcome"), "unresolved");
}

TEST_P(DispatchTest, DispatchCommandsRefuseBadInputClearly) {
  const std::string id = open_request();
  const std::string path = "/v1/requests/" + id + "/dispatch";
  EXPECT_EQ(send(verb::post, path, R"({"mode":"sideways"})", kNorthDispatcherToken).status, 422);
  EXPECT_EQ(send(verb::post, path, R"({"mode":"manual"})", kNorthDispatcherToken).status, 422);
  EXPECT_EQ(send(verb::post, path, R"({"accept_within":"15 minutes"})", kNorthDispatcherToken).status, 422);
  EXPECT_EQ(send(verb::post, path, R"({"accept_within":"P30D"})", kNorthDispatcherToken).status, 422);
  EXPECT_EQ(send(verb::post, path, R"({"parts":[{"part_no":"P-1","qty":0}]})", kNorthDispatcherToken).status, 422);
  EXPECT_EQ(send(verb::post, path, R"({"parts":"P-1"})", kNorthDispatcherToken).status, 400);
  EXPECT_EQ(send(verb::post, path, "{\"note\":\"\xff\"}", kNorthDispatcherToken).status, 400);
  EXPECT_EQ(send(verb::post, path, R"({"engineer_id":"E-404"})", kNorthDispatcherToken).status, 422);
  EXPECT_EQ(send(verb::post, path, "{}", kSouthAgentToken).status, 403);
  EXPECT_EQ(send(verb::post, path, "{}", kEngineerE7Token).status, 403);
  EXPECT_EQ(send(verb::post, "/v1/requests/R-404/dispatch", "{}", kNorthDispatcherToken).status, 404);
  EXPECT_EQ(send(verb::post, "/v1/dispatches/R-404.1/accept", "{}", kNorthDispatcherToken).status, 404);
  // Ids from the path that are not ids name nothing; headers that are not UTF-8 are refused at the edge.
  for (const char* bad : {"%FF%FE", "a%01b", "%C3%28.1", "x%20y"}) {
    EXPECT_EQ(send(verb::post, std::string("/v1/dispatches/") + bad + "/accept", "{}", kAdminToken).status, 404) << bad;
    EXPECT_EQ(send(verb::post, std::string("/v1/engineers/") + bad + "/status", R"({"status":"available"})").status, 404) << bad;
    EXPECT_EQ(send(verb::post, std::string("/v1/outlets/") + bad + "/certify", R"({"reason":"x"})").status, 404) << bad;
    EXPECT_EQ(send(verb::post, std::string("/v1/requests/") + bad + "/dispatch", "{}").status, 404) << bad;
  }
  EXPECT_EQ(server->call(verb::post, path, kNorthDispatcherToken, "{}",
                         {{"Content-Type", "application/json"}, {"Idempotency-Key", "abc\xff\xfe"}}).status, 400);
  EXPECT_EQ(server->call(verb::post, "/v1/engineers/E-7/status", kEngineerE7Token, R"({"status":"available"})",
                         {{"Content-Type", "application/json"}, {"X-Correlation-Id", "\xc3\x28"}}).status, 400);
  ASSERT_EQ(send(verb::post, "/v1/outlets/O-1/suspend", R"({"reason":"complaints"})").status, 200);
  const Reply suspended = send(verb::post, path, R"({"engineer_id":"E-7"})", kNorthDispatcherToken);
  EXPECT_EQ(suspended.status, 422) << suspended.body;
  EXPECT_NE(field(suspended.body, "detail").find("suspended"), std::string::npos) << suspended.body;
}

TEST_P(DispatchTest, EngineersReportTheirOwnStatusAndTheBoardShowsIt) {
  const Reply mine = send(verb::post, "/v1/engineers/E-7/status", R"({"status":"travelling","location":{"lat":39.95,"lon":116.35}})", kEngineerE7Token);
  ASSERT_EQ(mine.status, 201) << mine.body;
  EXPECT_EQ(send(verb::post, "/v1/engineers/E-8/status", R"({"status":"available"})", kEngineerE7Token).status, 404);
  EXPECT_EQ(send(verb::post, "/v1/engineers/E-8/status", R"({"status":"asleep"})", kNorthDispatcherToken).status, 422);
  EXPECT_EQ(send(verb::post, "/v1/engineers/E-8/status", R"({"status":"off_duty","location":{"lat":"x","lon":1}})", kNorthDispatcherToken).status, 400);
  ASSERT_EQ(send(verb::post, "/v1/engineers/E-8/status", R"({"status":"off_duty"})", kNorthDispatcherToken).status, 201);
  EXPECT_EQ(send(verb::post, "/v1/engineers/E-8/status", R"({"status":"off_duty"})", kSouthAgentToken).status, 403);
  const Reply board = get("/v1/engineers?region=north", kNorthDispatcherToken);
  ASSERT_EQ(board.status, 200) << board.body;
  EXPECT_NE(board.body.find(R"("engineer_id":"E-7","name":"Li","region":"north","outlet_id":"O-1","status":"travelling","location":{"lat":39.95,"lon":116.35})"), std::string::npos) << board.body;
  EXPECT_NE(board.body.find(R"("status":"off_duty")"), std::string::npos) << board.body;
  EXPECT_EQ(get("/v1/engineers?region=north&status=off_duty", kAdminToken).body.find("E-7"), std::string::npos);
  const Reply own = get("/v1/engineers", kEngineerE7Token);
  EXPECT_NE(own.body.find("E-7"), std::string::npos);
  EXPECT_EQ(own.body.find("E-8"), std::string::npos) << "an engineer sees their own row only: " << own.body;
  EXPECT_EQ(get("/v1/engineers", kSouthAgentToken).body.find("E-7"), std::string::npos);
  // Off duty is not offered work.
  const std::string id = open_request();
  const Reply c = get("/v1/requests/" + id + "/dispatch-candidates", kNorthDispatcherToken);
  EXPECT_NE(c.body.find(R"("engineer_id":"E-8","outlet_id":"O-1","score")"), std::string::npos);
  EXPECT_NE(c.body.find(R"("excluded_because":"off duty")"), std::string::npos) << c.body;
}

// Found by a 5,000-engineer run: a distance of whole kilometres was written
// "10.0" where the log's canonical JSON says 10, and the offer was refused
// as an event that does not read back (422).
TEST_P(DispatchTest, AnEngineerAtAWholeKilometreIsOffered) {
  ASSERT_EQ(send(verb::put, "/v1/engineers/E-10", R"({"name":"Ma","region":"north","active":true,"outlet_id":"O-1","skills":["washers"],"location":{"lat":39.91,"lon":116.4}})").status, 201);
  const std::string id = open_request();
  const Reply d = send(verb::post, "/v1/requests/" + id + "/dispatch", "{}", kNorthDispatcherToken);
  ASSERT_EQ(d.status, 201) << d.body;
  EXPECT_EQ(field(d.body, "engineer_id"), "E-10");
  EXPECT_NE(d.body.find(R"("engineer_id":"E-10","outlet_id":"O-1","score":10000,"distance_km":0,)"), std::string::npos) << d.body;
}

// Two dispatchers at once: with the same Idempotency-Key both get the one
// dispatch; with different keys they name the same aggregate (<request>.1)
// and the second is refused — never two open dispatches.
TEST_P(DispatchTest, TwoDispatchersAtOnceMakeOneDispatch) {
  const std::string id = open_request();
  auto twice = [&](const std::string& key_a, const std::string& key_b) {
    Reply a, b;
    std::thread other([&] {
      a = server->call(verb::post, "/v1/requests/" + id + "/dispatch", kNorthDispatcherToken, "{}",
                       {{"Content-Type", "application/json"}, {"Idempotency-Key", key_a}});
    });
    b = server->call(verb::post, "/v1/requests/" + id + "/dispatch", kNorthDispatcherToken, "{}",
                     {{"Content-Type", "application/json"}, {"Idempotency-Key", key_b}});
    other.join();
    for (const Reply* r : {&a, &b})
      if (r->status < 300) position = merge_positions(position, r->header("X-Position"));
    return std::make_pair(a, b);
  };
  const auto [a, b] = twice("d-1", "d-1");
  EXPECT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(b.status, 201) << b.body;
  EXPECT_EQ(field(a.body, "id"), id + ".1");
  EXPECT_EQ(field(b.body, "id"), id + ".1");
  await_request(id, "status", "assigned");
  ASSERT_EQ(send(verb::post, "/v1/dispatches/" + id + ".1/cancel", R"({"reason":"retry the race"})").status, 200);
  await_request(id, "status", "awaiting_assignment");
  const auto [c, d] = twice("d-2", "d-3");
  EXPECT_EQ((c.status == 201) + (d.status == 201), 1) << c.body << " / " << d.body;
  EXPECT_EQ((c.status == 409) + (d.status == 409), 1) << c.body << " / " << d.body;
  EXPECT_EQ(get("/v1/dispatches/" + id + ".3").status, 404) << "no third dispatch";
  const Reply list = get("/v1/dispatches?status=offered");
  EXPECT_EQ(list.body.find(id + ".1"), std::string::npos);
  EXPECT_NE(list.body.find(id + ".2"), std::string::npos) << list.body;
}

// The whole case in one audit, chains intact, and every read model —
// dispatch views, the engineers' board, open counts — rebuilt from the log
// byte for byte, after a restart that the roster and the process manager survive.
TEST_P(DispatchTest, AuditShowsTheWholeCaseAndReplayRebuildsTheBoardsByteForByte) {
  const std::string id = open_request();
  ASSERT_EQ(send(verb::post, "/v1/engineers/E-7/status", R"({"status":"on_site","location":{"lat":39.9,"lon":116.4}})", kEngineerE7Token).status, 201);
  ASSERT_EQ(send(verb::post, "/v1/requests/" + id + "/dispatch", "{}", kNorthDispatcherToken).status, 201);
  ASSERT_EQ(send(verb::post, "/v1/dispatches/" + id + ".1/decline", R"({"reason":"busy"})", kEngineerE7Token).status, 200);
  await_request(id, "dispatch_id", id + ".2");
  // A restart: the roster is read back from the write side's rows, the manager resumes from its checkpoint.
  server.reset();  // first: the data directory is locked while it runs
  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
  position.clear();
  const std::string again = open_request();
  const Reply d = send(verb::post, "/v1/requests/" + again + "/dispatch", "{}", kNorthDispatcherToken);
  ASSERT_EQ(d.status, 201) << d.body;
  EXPECT_EQ(field(d.body, "engineer_id"), "E-7") << "E-7 is nearest; E-8 has one open dispatch: " << d.body;
  EXPECT_NE(d.body.find(R"("engineer_id":"E-8","outlet_id":"O-1","score")"), std::string::npos);
  await_request(again, "status", "assigned");
  const Reply board = get("/v1/engineers?region=north");
  EXPECT_NE(board.body.find(R"("engineer_id":"E-8")"), std::string::npos);
  EXPECT_NE(board.body.find(R"("open_dispatches":1)"), std::string::npos) << board.body;
  server.reset();

  std::string out;
  auto args = [&](std::vector<std::string> a) {
    auto more = log_args(tmp.sub("data"), broker.get());
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  ASSERT_EQ(run_aftercare(args({"audit", id}), &out), 0) << out;
  for (const char* t : {"aftercare.request.opened.v1", "aftercare.dispatch.offered.v2", "aftercare.request.assigned.v2",
                        "aftercare.dispatch.declined.v1", "aftercare.request.dispatch_released.v1"})
    EXPECT_NE(out.find(t), std::string::npos) << t << " missing from the case:\n" << out;
  EXPECT_EQ(run_aftercare(args({"replay", "--verify"}), &out), 0) << out;
  EXPECT_NE(out.find("byte-identical"), std::string::npos) << out;
  EXPECT_EQ(run_aftercare(args({"audit", "--verify-chains"}), &out), 0) << out;
}

INSTANTIATE_TEST_SUITE_P(Logs, DispatchTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
