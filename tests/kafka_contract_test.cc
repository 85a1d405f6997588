// The streaming contract, checked the way a consumer sees it: traffic that
// produces every event type goes through `serve --kafka`, kcat reads every
// topic, and tests/contract/check_records.py validates each record against
// its JSON Schema (schemas/) and the key, header and partition rules.
#include <gtest/gtest.h>

#include <fstream>

#include "domain/master_data.h"
#include "domain/time.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

constexpr int kPartitions = 4;

std::string in_seconds(int s) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return format_rfc3339(Timestamp{now.count() + s * 1000});
}


// The registry's kind -> topic map, for the checker (--topics).
std::string topics_file(const TempDir& tmp) {
  const std::string path = tmp.sub("topics.json");
  std::ofstream out(path);
  out << "{";
  for (size_t i = 0; i < all_kinds().size(); ++i)
    out << (i ? "," : "") << '"' << all_kinds()[i].name() << "\":\"" << all_kinds()[i].topic() << '"';
  out << "}";
  return path;
}

class KafkaContractTest : public ::testing::Test {
 protected:
  TempDir tmp;
  DevBroker broker{kPartitions};
  ServerProcess server{tmp.sub("data"), broker.bootstrap()};

  Reply call(verb method, const std::string& path, const std::string& body = "") {
    Reply r = server.call(method, path, kAdminToken, body);
    EXPECT_LT(r.status, 300) << path << ": " << r.body;
    return r;
  }
  std::string open(const std::string& extra = "") {
    return field(call(verb::post, "/v1/requests",
                      R"({"customer_id":"C-1","channel":"phone","type":"repair","serial_no":"U-1","problem_code":"E21")" +
                          extra + "}")
                     .body,
                 "id");
  }
  void act(const std::string& id, const std::string& action, const std::string& body = "{}") {
    call(verb::post, "/v1/requests/" + id + "/" + action, body);
  }
  // Waits for the deadline timer to have acted on `id`.
  void wait_until(const std::string& id, const std::string& what) {
    for (int i = 0; i < 100; ++i) {
      if (server.call(verb::get, "/v1/requests/" + id, kAdminToken).body.find(what) != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << id << " never showed " << what;
  }
};

// The integer member `name` of a JSON object (-1 when absent).
int64_t number_field(const std::string& json, const std::string& name) {
  const std::string k = "\"" + name + "\":";
  const size_t at = json.find(k);
  return at == std::string::npos ? -1 : std::stoll(json.substr(at + k.size()));
}

TEST_F(KafkaContractTest, EveryRecordOnEveryTopicFollowsTheContract) {
  call(verb::put, "/v1/customers/C-1", R"({"name":"王芳","region":"north","tier":"gold"})");
  call(verb::put, "/v1/customers/C-1", R"({"name":"王芳","region":"north","tier":"platinum","phone":"+86 24 1234 5678"})");
  call(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","skills":["washers","dryers"],"active":true})");
  call(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","skills":["washers"],"active":true})");
  call(verb::put, "/v1/engineers/E-8", R"({"name":"Wu","region":"north","active":true})");
  call(verb::put, "/v1/units/U-1", R"({"product_model":"WM-7","customer_id":"C-1"})");
  call(verb::put, "/v1/units/U-1", R"({"product_model":"WM-7","customer_id":"C-1","warranty_until":"2027-03-01T00:00:00Z"})");
  // Catalogue kinds (every token reads them) from the registry: registered, then updated.
  for (const AggregateKind& k : all_kinds()) {
    if (!k.master() || k.master()->visibility != Visibility::everyone) continue;
    const std::string path = "/v1/" + std::string(k.master()->collection) + "/X-1";
    std::vector<Event> upserts;
    for (uint64_t seed = 0; upserts.size() < 2; ++seed) upserts = k.spec().example(seed);
    call(verb::put, path, upserts[0].data);
    call(verb::put, path, upserts[1].data);
  }

  // The deadlines first: the timer acts on them while the rest goes on.
  const std::string late = open(R"(,"required_by":")" + in_seconds(2) + "\"");
  act(late, "assign", R"({"engineer_id":"E-7"})");
  const std::string unassigned = open(R"(,"required_by":")" + in_seconds(2) + "\"");  // locked by the timer
  const std::string complaint = field(
      call(verb::post, "/v1/requests",
           R"({"customer_id":"C-1","channel":"email","type":"complaint","description":"rude engineer",)"
           R"("complaint":{"level":2,"handling_unit":"quality","respond_by":")" + in_seconds(2) + "\"}}")
          .body,
      "id");

  const std::string happy = open();
  act(happy, "assign", R"({"engineer_id":"E-7","note":"nearest"})");
  act(happy, "report", R"({"outcome":"resolved","work_minutes":40,"notes":"new belt"})");
  act(happy, "callback", R"({"satisfied":true,"scores":{"attitude":5,"skill":4,"timeliness":5,"resolution":5,"parts_lead_time":4}})");

  const std::string twice = open();
  act(twice, "assign", R"({"engineer_id":"E-7"})");
  act(twice, "report", R"({"outcome":"unresolved"})");
  act(twice, "assign", R"({"engineer_id":"E-8"})");
  act(twice, "report", R"({"outcome":"not_attended"})");  // the second failure locks
  act(twice, "unlock", R"({"decision":"reassign","note":"send a senior"})");

  const std::string held = open();
  act(held, "suspend", R"({"reason":"customer abroad"})");
  act(held, "resume");
  act(held, "cancel", R"({"reason":"customer bought a new one"})");

  const std::string remote = open();
  act(remote, "resolve-remotely", R"({"notes":"reset the program","article_id":"KB-17"})");

  // Field service: outlets through their certification, a warehouse, an
  // engineer's status, and dispatches through every way they end.
  call(verb::put, "/v1/outlets/O-1", R"({"name":"Heping","region":"north","location":{"lat":41.79,"lon":123.43},"fee_per_visit":{"on_site":8000}})");
  call(verb::put, "/v1/outlets/O-1", R"({"name":"Heping service","region":"north"})");
  for (const char* step : {"certify", "suspend", "revoke"})
    call(verb::post, std::string("/v1/outlets/O-1/") + step, R"({"reason":"audit"})");
  call(verb::put, "/v1/warehouses/W-1", R"({"name":"Central","region":"north","kind":"central"})");
  call(verb::put, "/v1/warehouses/W-1", R"({"name":"Central stock","region":"north","kind":"central"})");
  call(verb::post, "/v1/engineers/E-8/status", R"({"status":"available","location":{"lat":41.8,"lon":123.4}})");
  // A webhook (nobody listens there; its events are what is checked), updated without its secret.
  call(verb::put, "/v1/webhooks/WH-1",
       R"({"url":"http://127.0.0.1:9/hook","event_types":["aftercare.dispatch.offered.v1"],"secret":"0123456789abcdef"})");
  call(verb::put, "/v1/webhooks/WH-1",
       R"({"url":"http://127.0.0.1:9/hook","event_types":["aftercare.dispatch.offered.v1","aftercare.request.opened.v1"],"active":false})");
  // The stock ledger: a receipt of two lines, a policy that the count then crosses, a return.
  call(verb::put, "/v1/warehouses/W-9", R"({"name":"Depot","region":"north","kind":"central"})");
  call(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-9","reference":"PO-1","lines":[{"part_no":"P-1","qty":5},{"part_no":"P-2","qty":1}]})");
  call(verb::put, "/v1/stock/W-9/P-1/policy", R"({"safety_stock":3,"reorder_qty":10})");
  call(verb::post, "/v1/stock/counts", R"({"warehouse_id":"W-9","lines":[{"part_no":"P-1","counted":2}]})");
  call(verb::post, "/v1/stock/returns", R"({"warehouse_id":"W-9","part_no":"P-2","serial_no":"SN-1","reason":"worn"})");
  // A transfer through transit to its receipt; and two transfers of the same
  // last part requested before the first is shipped: the second's line is
  // refused at the source by the process manager.
  call(verb::put, "/v1/warehouses/W-10", R"({"name":"Van 10","region":"north","kind":"van"})");
  const std::string moved = field(call(verb::post, "/v1/stock/transfers", R"({"from":"W-9","to":"W-10","lines":[{"part_no":"P-1","qty":1}]})").body, "id");
  for (int i = 0; i < 200 && field(server.call(verb::get, "/v1/stock/transfers/" + moved, kAdminToken).body, "status") != "in_transit"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  call(verb::post, "/v1/stock/transfers/" + moved + "/receive", "{}");
  call(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-9","lines":[{"part_no":"P-3","qty":1}]})");
  std::string raced;
  for (int attempt = 0; attempt < 20 && raced.empty(); ++attempt) {
    const std::string body = R"({"from":"W-9","to":"W-10","lines":[{"part_no":"P-3","qty":1}]})";
    const Reply first = server.call(verb::post, "/v1/stock/transfers", kAdminToken, body, {{"Content-Type", "application/json"}});
    const Reply second = server.call(verb::post, "/v1/stock/transfers", kAdminToken, body, {{"Content-Type", "application/json"}});
    if (first.status == 201 && second.status == 201) raced = field(second.body, "id");
    else if (first.status == 201) call(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-9","lines":[{"part_no":"P-3","qty":1}]})");
  }
  ASSERT_FALSE(raced.empty()) << "the process manager always shipped before the second request";
  for (int i = 0; i < 200 && field(server.call(verb::get, "/v1/stock/transfers/" + raced, kAdminToken).body, "status") == "requested"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  // Visits: parts reserved on a van (one refused for want of stock), used
  // (one line refused in a race), an old part back as defective, needs_parts
  // waiting for a part until it is received, and a reservation released.
  call(verb::put, "/v1/parts/P-1", R"({"name":"Belt","price":3000,"unit":"pcs","abc_class":"C"})");
  call(verb::put, "/v1/engineers/E-9", R"({"name":"Qi","region":"north","active":true,"van_warehouse_id":"W-10"})");
  call(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-10","lines":[{"part_no":"P-1","qty":1}]})");
  const std::string fixing = open();
  const std::string d5 = field(call(verb::post, "/v1/requests/" + fixing + "/dispatch",
                                    R"({"engineer_id":"E-9","parts":[{"part_no":"P-1","qty":1},{"part_no":"P-7","qty":1}]})").body, "id");
  for (const char* step : {"accept", "depart", "arrive"}) call(verb::post, "/v1/dispatches/" + d5 + "/" + step, "{}");
  call(verb::post, "/v1/visits/" + d5 + "/parts", R"({"part_no":"P-1","qty":1,"serials_removed":["OLD-1"]})");
  bool refused_line = false;
  for (int attempt = 0; attempt < 20 && !refused_line; ++attempt) {
    call(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-10","lines":[{"part_no":"P-1","qty":1}]})");
    const std::string body = R"({"part_no":"P-1","qty":1})";
    server.call(verb::post, "/v1/visits/" + d5 + "/parts", kAdminToken, body, {{"Content-Type", "application/json"}});
    server.call(verb::post, "/v1/visits/" + d5 + "/parts", kAdminToken, body, {{"Content-Type", "application/json"}});
    for (int i = 0; i < 200; ++i) {
      const std::string v = server.call(verb::get, "/v1/visits/" + d5, kAdminToken).body;
      if (v.find(R"("issue":"pending")") == std::string::npos) {
        refused_line = v.find(R"("issue":"refused")") != std::string::npos;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ASSERT_TRUE(refused_line) << "the process manager always issued before the second line was recorded";
  call(verb::post, "/v1/visits/" + d5 + "/complete", R"({"outcome":"needs_parts","work_minutes":20,"parts_needed":[{"part_no":"P-8","qty":1}]})");
  wait_until(fixing, R"("suspend_reason":"awaiting_parts")");
  call(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-10","lines":[{"part_no":"P-8","qty":1}]})");
  wait_until(fixing, R"("status":"awaiting_assignment")");
  const std::string d6 = field(call(verb::post, "/v1/requests/" + fixing + "/dispatch",
                                    R"({"engineer_id":"E-9","parts":[{"part_no":"P-8","qty":1}]})").body, "id");
  for (int i = 0; i < 200 && number_field(server.call(verb::get, "/v1/stock/W-10/P-8", kAdminToken).body, "reserved") != 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  call(verb::post, "/v1/dispatches/" + d6 + "/cancel", R"({"reason":"customer away"})");
  for (int i = 0; i < 200 && number_field(server.call(verb::get, "/v1/stock/W-10/P-8", kAdminToken).body, "reserved") != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));

  const std::string visited = open();
  const std::string d1 = field(call(verb::post, "/v1/requests/" + visited + "/dispatch", R"({"mode":"auto"})").body, "id");
  for (const char* step : {"accept", "depart", "arrive", "finish"}) call(verb::post, "/v1/dispatches/" + d1 + "/" + step, "{}");
  const std::string declined = open();
  const std::string d2 = field(call(verb::post, "/v1/requests/" + declined + "/dispatch", R"({"engineer_id":"E-8"})").body, "id");
  call(verb::post, "/v1/dispatches/" + d2 + "/decline", R"({"reason":"too far"})");
  const std::string expired = open();
  const std::string d3 = field(call(verb::post, "/v1/requests/" + expired + "/dispatch", R"({"engineer_id":"E-7","accept_within":"PT1S"})").body, "id");
  const std::string dropped = open();
  const std::string d4 = field(call(verb::post, "/v1/requests/" + dropped + "/dispatch", R"({"engineer_id":"E-7"})").body, "id");
  call(verb::post, "/v1/dispatches/" + d4 + "/cancel", R"({"reason":"customer away"})");
  for (int i = 0; i < 100 && field(server.call(verb::get, "/v1/dispatches/" + d3, kAdminToken).body, "status") != "withdrawn"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(field(server.call(verb::get, "/v1/dispatches/" + d3, kAdminToken).body, "status"), "withdrawn");
  wait_until(declined, R"("dispatch_id":null)");

  // A refused command with an Idempotency-Key is recorded on aftercare.commands.
  EXPECT_EQ(server.call(verb::post, "/v1/requests/" + happy + "/assign", kAdminToken, R"({"engineer_id":"E-7"})",
                        {{"Idempotency-Key", "refused-once"}}).status, 409);
  wait_until(late, R"("attempts":1)");
  wait_until(unassigned, R"("lock_reason":"not_assigned_in_time")");
  wait_until(complaint, R"("overdue":true)");
  EXPECT_EQ(server.stop(), 0);

  std::string out;
  std::string files;
  for (const char* topic : {"aftercare.requests", "aftercare.dispatches", "aftercare.visits",
                            "aftercare.parts", "aftercare.master", "aftercare.commands"}) {
    const std::string file = tmp.sub(std::string(topic) + ".jsonl");
    ASSERT_EQ(shell("kcat -C -b " + broker.bootstrap() + " -t " + topic + " -o beginning -e -q -J > " + file, &out), 0)
        << out;
    files += " " + file;
  }
  const int rc = shell(std::string("/usr/bin/python3 ") + AFTERCARE_SOURCE_DIR +
                           "/tests/contract/check_records.py --expect-all-types --topics " + topics_file(tmp) + " --partitions " +
                           std::to_string(kPartitions) + " --schemas " + AFTERCARE_SOURCE_DIR +
                           "/schemas" + files,
                       &out);
  EXPECT_EQ(rc, 0) << out;
  std::cout << out;
}

TEST_F(KafkaContractTest, TheCheckerRejectsRecordsThatBreakTheContract) {
  call(verb::put, "/v1/customers/C-1", R"({"name":"Wang","region":"north"})");
  call(verb::put, "/v1/units/U-1", R"({"product_model":"WM-7","customer_id":"C-1"})");
  open();
  EXPECT_EQ(server.stop(), 0);
  std::string out;
  const std::string file = tmp.sub("requests.jsonl");
  ASSERT_EQ(shell("kcat -C -b " + broker.bootstrap() + " -t aftercare.requests -o beginning -e -q -J > " + file, &out), 0);
  std::ifstream in(file);
  std::string record;
  std::getline(in, record);
  const std::string checker = std::string("/usr/bin/python3 ") + AFTERCARE_SOURCE_DIR +
                              "/tests/contract/check_records.py --topics " + topics_file(tmp) + " --partitions 4 --schemas " +
                              AFTERCARE_SOURCE_DIR + "/schemas ";
  ASSERT_EQ(shell(checker + file, &out), 0) << out;
  // Each change below breaks one rule; the checker must notice every one.
  const std::vector<std::pair<std::string, std::string>> breaks = {
      {R"(\"channel\":\"phone\")", R"(\"channel\":\"pigeon\")"},               // schema: enum
      {R"(\"specversion\":\"1.0\")", R"(\"specversion\":\"0.3\")"},            // schema: envelope
      {"application/cloudevents+json; charset=UTF-8", "application/json"},    // header
      {R"("partition":)", R"("partition":1)"},                                // partition (becomes 1x)
  };
  for (const auto& [from, to] : breaks) {
    std::string bad = record;
    const size_t at = bad.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    bad.replace(at, from.size(), to);
    std::ofstream(tmp.sub("bad.jsonl")) << bad << "\n";
    EXPECT_NE(shell(checker + tmp.sub("bad.jsonl"), &out), 0) << "not caught: " << to << "\n" << out;
  }
}

}  // namespace
}  // namespace aftercare
