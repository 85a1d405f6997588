// The stock ledger over HTTP (api-field.md §Spare parts), on both logs:
// receipts, counts, returns and policy; levels, movements and the
// below-safety list; retries that never move a line twice; scoping by the
// warehouse's region and an engineer's van; bad input; and a replay that
// rebuilds the stock views byte for byte.
#include <gtest/gtest.h>

#include <thread>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

class StockTest : public ServerOnEitherLog {
 protected:
  std::string position;

  Reply send(verb method, const std::string& path, const std::string& body, const char* token = kAdminToken,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    Reply r = server->call(method, path, token, body, headers);
    if (r.status < 300) position = merge_positions(position, r.header("X-Position"));
    return r;
  }
  Reply get(const std::string& path, const char* token = kAdminToken) {
    return server->call(verb::get, path, token, "", {{"X-Min-Position", position}});
  }
  void SetUp() override {
    ASSERT_EQ(send(verb::put, "/v1/warehouses/W-C", R"({"name":"Central","region":"north","kind":"central"})").status, 201);
    ASSERT_EQ(send(verb::put, "/v1/warehouses/W-V7", R"({"name":"Li's van","region":"north","kind":"van"})").status, 201);
    ASSERT_EQ(send(verb::put, "/v1/warehouses/W-S", R"({"name":"Guangzhou","region":"south","kind":"outlet"})").status, 201);
    ASSERT_EQ(send(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true,"van_warehouse_id":"W-V7"})").status, 201);
  }
};

// The integer member `name` of the first item in a {"items":[...]} answer, or of a view.
int64_t number(const std::string& json, const std::string& name) {
  const std::string k = "\"" + name + "\":";
  const size_t at = json.find(k);
  return at == std::string::npos ? -999 : std::stoll(json.substr(at + k.size()));
}

TEST_P(StockTest, ReceiptsCountsReturnsAndPolicyMoveStockAndLeaveTheirHistory) {
  const std::string receipt = R"({"warehouse_id":"W-C","reference":"PO-2026-11","lines":[{"part_no":"P-1","qty":10},{"part_no":"P-2","qty":3}]})";
  const Reply r = send(verb::post, "/v1/stock/receipts", receipt, kNorthWarehouseToken, {{"Idempotency-Key", "receipt-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("part_no":"P-1","on_hand":10,"reserved":0,"available":10)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("part_no":"P-2","on_hand":3)"), std::string::npos) << r.body;
  // The same receipt again with its key: answered, not received twice.
  const Reply again = send(verb::post, "/v1/stock/receipts", receipt, kNorthWarehouseToken, {{"Idempotency-Key", "receipt-1"}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(number(get("/v1/stock/W-C/P-1").body, "on_hand"), 10);
  // The key with another body is a reuse, refused.
  EXPECT_EQ(send(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":99}]})",
                 kNorthWarehouseToken, {{"Idempotency-Key", "receipt-1"}}).status, 422);

  ASSERT_EQ(send(verb::put, "/v1/stock/W-C/P-1/policy", R"({"safety_stock":8,"reorder_qty":20})", kManagerToken).status, 200);
  // A count below the safety stock: its variance, and one reorder suggestion.
  const Reply count = send(verb::post, "/v1/stock/counts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","counted":7}]})", kNorthWarehouseToken);
  ASSERT_EQ(count.status, 200) << count.body;
  EXPECT_NE(count.body.find(R"("below_safety":true)"), std::string::npos) << count.body;
  const Reply low = get("/v1/stock?below_safety=true");
  EXPECT_NE(low.body.find(R"("warehouse_id":"W-C","part_no":"P-1")"), std::string::npos) << low.body;
  EXPECT_EQ(low.body.find(R"("part_no":"P-2")"), std::string::npos) << low.body;
  ASSERT_EQ(send(verb::post, "/v1/stock/returns", R"({"warehouse_id":"W-C","part_no":"P-1","serial_no":"SN-77","reason":"pump burnt"})", kNorthWarehouseToken).status, 200);

  const Reply item = get("/v1/stock/W-C/P-1", kNorthWarehouseToken);
  ASSERT_EQ(item.status, 200) << item.body;
  EXPECT_EQ(number(item.body, "on_hand"), 7);
  EXPECT_EQ(number(item.body, "defective"), 1);
  // Newest first: the return, the suggestion, the count, the policy, the receipt.
  const std::vector<std::string> order = {"defective_returned", "reorder_suggested", "counted", "policy_set", "received"};
  size_t at = 0;
  for (const std::string& e : order) {
    const size_t next = item.body.find("\"event\":\"" + e + "\"", at);
    ASSERT_NE(next, std::string::npos) << e << " out of order in " << item.body;
    at = next;
  }
  EXPECT_NE(item.body.find(R"("counted":7,"previous":10,"variance":-3)"), std::string::npos) << item.body;
  // The movements, paged.
  const Reply page = get("/v1/stock/W-C/P-1/movements?limit=2");
  ASSERT_EQ(page.status, 200) << page.body;
  const std::string cursor = field(page.body, "next_cursor");
  ASSERT_NE(cursor, "null");
  const Reply rest = get("/v1/stock/W-C/P-1/movements?limit=10&cursor=" + cursor);
  EXPECT_NE(rest.body.find("\"event\":\"received\""), std::string::npos) << rest.body;
  EXPECT_EQ(rest.body.find("\"event\":\"defective_returned\""), std::string::npos) << rest.body;
  EXPECT_EQ(field(rest.body, "next_cursor"), "null");

  // Every read model rebuilt from the log is byte-identical; the chains verify.
  server.reset();
  expect_rebuild_and_chains_verify(tmp.sub("data"), broker.get());
}

TEST_P(StockTest, StockIsScopedByTheWarehousesRegionAndAnEngineersVan) {
  for (const char* w : {"W-C", "W-V7", "W-S"})
    ASSERT_EQ(send(verb::post, "/v1/stock/receipts", std::string(R"({"warehouse_id":")") + w + R"(","lines":[{"part_no":"P-1","qty":4}]})").status, 200);
  // A north clerk: the south warehouse is unknown to it, in a body and in a path alike.
  const Reply south = send(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-S","lines":[{"part_no":"P-1","qty":1}]})", kNorthWarehouseToken);
  const Reply none = send(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-NONE","lines":[{"part_no":"P-1","qty":1}]})", kNorthWarehouseToken);
  EXPECT_EQ(south.status, 422);
  EXPECT_EQ(field(south.body, "detail"), R"(unknown warehouse "W-S")");
  EXPECT_EQ(field(none.body, "detail"), R"(unknown warehouse "W-NONE")");
  EXPECT_EQ(get("/v1/stock/W-S/P-1", kNorthWarehouseToken).status, 404);
  EXPECT_EQ(field(get("/v1/stock/W-S/P-1", kNorthWarehouseToken).body, "detail"), field(get("/v1/stock/W-NONE/P-1", kNorthWarehouseToken).body, "detail"));
  EXPECT_EQ(send(verb::put, "/v1/stock/W-S/P-1/policy", R"({"safety_stock":1,"reorder_qty":1})", kNorthWarehouseToken).status, 404);
  const Reply list = get("/v1/stock", kNorthWarehouseToken);
  EXPECT_NE(list.body.find(R"("warehouse_id":"W-C")"), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find(R"("warehouse_id":"W-S")"), std::string::npos) << list.body;
  // An engineer sees their own van only; agents see no stock; engineers move none.
  EXPECT_EQ(get("/v1/stock/W-V7/P-1", kEngineerE7Token).status, 200);
  EXPECT_EQ(get("/v1/stock/W-C/P-1", kEngineerE7Token).status, 404);
  const Reply vans = get("/v1/stock", kEngineerE7Token);
  EXPECT_NE(vans.body.find(R"("warehouse_id":"W-V7")"), std::string::npos) << vans.body;
  EXPECT_EQ(vans.body.find(R"("warehouse_id":"W-C")"), std::string::npos) << vans.body;
  EXPECT_EQ(get("/v1/stock/W-C/P-1", kAgentToken).status, 403);
  EXPECT_EQ(send(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-V7","lines":[{"part_no":"P-1","qty":1}]})", kEngineerE7Token).status, 403);
}

TEST_P(StockTest, BadInputGetsClearErrorsAndMovesNothing) {
  struct Case {
    std::string path, body;
    int status;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {"receipts", R"({"lines":[{"part_no":"P-1","qty":1}]})", 422, "\"warehouse_id\" is required"},
      {"receipts", R"({"warehouse_id":"W-C"})", 422, "\"lines\" is required"},
      {"receipts", R"({"warehouse_id":"W-C","lines":[]})", 422, "1 to 100"},
      {"receipts", R"({"warehouse_id":"W-C","lines":{}})", 400, "array"},
      {"receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":0}]})", 422, "between 1 and 1000000"},
      {"receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":-4}]})", 422, "between"},
      {"receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":1.5}]})", 400, "integer"},
      {"receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":"3"}]})", 400, "integer"},
      {"receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P 1","qty":3}]})", 422, "not a valid id"},
      {"receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":3},{"part_no":"P-1","qty":2}]})", 422, "two lines"},
      {"receipts", R"({"warehouse_id":"W:C","lines":[{"part_no":"P-1","qty":3}]})", 422, "':'"},
      {"receipts", "{\"warehouse_id\":\"W-C\",\"reference\":\"\xc3\x28\",\"lines\":[{\"part_no\":\"P-1\",\"qty\":3}]}", 400, "UTF-8"},
      {"counts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","counted":-1}]})", 422, "between"},
      {"returns", R"({"warehouse_id":"W-C","part_no":"P-1","reason":"x"})", 422, "\"serial_no\" is required"},
      {"returns", R"({"warehouse_id":"W-C","part_no":"P-1","serial_no":"S","visit_id":"no good","reason":"x"})", 422, "not a valid id"},
  };
  for (const Case& c : cases) {
    const Reply r = send(verb::post, "/v1/stock/" + c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(field(r.body, "detail").find(c.detail), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(send(verb::put, "/v1/stock/W-C/P-1/policy", R"({"safety_stock":-1,"reorder_qty":0})").status, 422);
  EXPECT_EQ(send(verb::put, "/v1/stock/W-C/P-1/policy", R"({"safety_stock":"1","reorder_qty":0})").status, 400);
  EXPECT_EQ(send(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":1}]})", kAdminToken,
                 {{"If-Match", "\"1\""}}).status, 400);
  EXPECT_EQ(get("/v1/stock?below_safety=maybe").status, 400);
  EXPECT_EQ(get("/v1/stock?cursor=elsewhere").status, 400);
  EXPECT_EQ(get("/v1/stock/W-C/P-1").status, 404) << "nothing was received";
  EXPECT_EQ(get("/v1/stock").body, R"({"items":[],"next_cursor":null})");
}

TEST_P(StockTest, ATransferMovesGoodsThroughTransitAndSurvivesKillDashNine) {
  ASSERT_EQ(send(verb::post, "/v1/stock/receipts", R"({"warehouse_id":"W-C","lines":[{"part_no":"P-1","qty":100},{"part_no":"P-2","qty":2}]})").status, 200);
  // Short at the source: 409, and nothing is written.
  const Reply short_line = send(verb::post, "/v1/stock/transfers", R"({"from":"W-C","to":"W-V7","lines":[{"part_no":"P-1","qty":4},{"part_no":"P-2","qty":5}]})", kNorthWarehouseToken);
  EXPECT_EQ(short_line.status, 409) << short_line.body;
  EXPECT_NE(field(short_line.body, "detail").find("2 available"), std::string::npos) << short_line.body;
  EXPECT_EQ(send(verb::post, "/v1/stock/transfers", R"({"from":"W-C","to":"W-S","lines":[{"part_no":"P-1","qty":1}]})", kNorthWarehouseToken).status, 422)
      << "the south warehouse is unknown to a north clerk";
  EXPECT_EQ(send(verb::post, "/v1/stock/transfers", R"({"from":"W-C","to":"W-C","lines":[{"part_no":"P-1","qty":1}]})").status, 422);

  // Twenty transfers of one part each, acknowledged, then kill -9 while the
  // process manager moves them; after the restart every one is in transit,
  // none twice.
  std::vector<std::string> transfers;
  for (int i = 0; i < 20; ++i) {
    const Reply t = send(verb::post, "/v1/stock/transfers", R"({"from":"W-C","to":"W-V7","reference":"van refill","lines":[{"part_no":"P-1","qty":1}]})", kNorthWarehouseToken);
    ASSERT_EQ(t.status, 201) << t.body;
    transfers.push_back(field(t.body, "id"));
  }
  server->kill9();
  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
  auto status_of = [&](const std::string& id) { return field(get("/v1/stock/transfers/" + id).body, "status"); };
  for (const std::string& id : transfers)
    for (int i = 0; i < 400 && status_of(id) != "in_transit"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  for (const std::string& id : transfers) EXPECT_EQ(status_of(id), "in_transit") << id;
  EXPECT_EQ(number(get("/v1/stock/W-C/P-1").body, "on_hand"), 80);
  EXPECT_EQ(number(get("/v1/stock/W-V7/P-1").body, "in_transit_in"), 20);
  EXPECT_EQ(number(get("/v1/stock/W-V7/P-1").body, "on_hand"), 0);

  // Received at the van: taken in; a second receive is refused.
  for (const std::string& id : transfers) {
    const Reply r = send(verb::post, "/v1/stock/transfers/" + id + "/receive", "", kNorthWarehouseToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(field(r.body, "status"), "received");
  }
  const Reply twice = send(verb::post, "/v1/stock/transfers/" + transfers[0] + "/receive", "", kNorthWarehouseToken);
  EXPECT_EQ(twice.status, 409) << twice.body;
  for (int i = 0; i < 400 && number(get("/v1/stock/W-V7/P-1").body, "on_hand") != 20; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const std::string van = get("/v1/stock/W-V7/P-1", kEngineerE7Token).body;
  EXPECT_EQ(number(van, "on_hand"), 20) << van;
  EXPECT_EQ(number(van, "in_transit_in"), 0) << van;
  EXPECT_EQ(get("/v1/stock/transfers/" + transfers[0], kEngineerE7Token).status, 200) << "it went to E-7's van";
  EXPECT_EQ(get("/v1/stock/transfers/NO-SUCH", kNorthWarehouseToken).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Logs, StockTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
