// The HTTP API against a real `aftercare serve` process.
#include <gtest/gtest.h>

#include "api/service.h"
#include "domain/master_data.h"
#include <simdjson.h>

#include <boost/asio/ip/tcp.hpp>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

constexpr const char* kCustomer = R"({"name":"王芳","phone":"+86 24 1234 5678","region":"north","tier":"gold"})";

// Every test runs twice: on the embedded log and on Kafka (a dev broker of its own).
class HttpTest : public ServerOnEitherLog {
 protected:
  Reply put_customer(const std::string& id, const std::string& body = kCustomer,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    return server->call(verb::put, "/v1/customers/" + id, kAdminToken, body, std::move(headers));
  }
};

void expect_problem(const Reply& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << r.body;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_FALSE(p.parse(r.body).get(doc)) << r.body;
  int64_t s = 0;
  EXPECT_FALSE(doc["status"].get_int64().get(s));
  EXPECT_EQ(s, status);
  std::string_view detail;
  EXPECT_FALSE(doc["detail"].get_string().get(detail));
  EXPECT_FALSE(detail.empty());
}

TEST_P(HttpTest, OperationsEndpointsNeedNoToken) {
  EXPECT_EQ(server->call(verb::get, "/healthz", "").status, 200);
  EXPECT_EQ(server->call(verb::get, "/readyz", "").status, 200);
  auto metrics = server->call(verb::get, "/metrics", "");
  EXPECT_EQ(metrics.status, 200);
  for (const char* name : {"aftercare_log_appends_total", "aftercare_log_append_latency_seconds_bucket",
                           "aftercare_projection_lag_events", "aftercare_http_requests_total"})
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
  auto openapi = server->call(verb::get, "/openapi.json", "");
  EXPECT_EQ(openapi.status, 200);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_FALSE(p.parse(openapi.body).get(doc));
  simdjson::dom::object paths;
  ASSERT_FALSE(doc["paths"].get_object().get(paths));
  // Every route served, with its method, is in the document.
  for (const auto& route : ApiService::routes()) {
    simdjson::dom::element e;
    std::string method(boost::beast::http::to_string(route.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_FALSE(paths.at_key(route.pattern).at_key(method).get(e))
        << method << " " << route.pattern << " is served but not documented";
  }
  // Every registered master record kind has its routes and its schema.
  simdjson::dom::object schemas;
  ASSERT_FALSE(doc["components"]["schemas"].get_object().get(schemas));
  size_t master_kinds = 0;
  for (const AggregateKind& kind : all_kinds()) {
    if (!kind.master()) continue;
    ++master_kinds;
    std::string name(kind.name());
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    simdjson::dom::element e;
    EXPECT_FALSE(schemas.at_key(name).get(e)) << name;
    const std::string path = "/v1/" + std::string(kind.master()->collection) + "/{" + std::string(kind.master()->id_name) + "}";
    EXPECT_FALSE(paths.at_key(path).at_key("put").at_key("responses").at_key("201").get(e)) << path;
  }
  EXPECT_GE(master_kinds, 3u);
  // Generated from the routes: every protected operation declares 401,
  // nothing is left without words.
  EXPECT_EQ(openapi.body.find("UNDOCUMENTED"), std::string::npos);
  for (const auto& route : ApiService::routes()) {
    if (route.operation == Operation::public_info) continue;
    std::string method(boost::beast::http::to_string(route.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    simdjson::dom::element e;
    EXPECT_FALSE(paths.at_key(route.pattern).at_key(method).at_key("responses").at_key("401").get(e))
        << method << " " << route.pattern << " declares no 401";
  }
}

// The checker every HTTP suite runs on every response (tests/openapi_check.h)
// finds what drifts: an undeclared status, a body off its schema, a
// required header missing.
TEST_P(HttpTest, TheResponseCheckerCatchesDrift) {
  auto check = OpenApiCheck::parse(server->call(verb::get, "/openapi.json", "").body);
  ASSERT_TRUE(check);
  const Reply created = put_customer("C-77");
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(check->check(verb::put, "/v1/customers/C-77", 201, created.headers, created.body), "");
  EXPECT_NE(check->check(verb::put, "/v1/customers/C-77", 418, created.headers, created.body), "");
  std::string off_schema = created.body;
  off_schema.replace(off_schema.find("\"version\":1"), 11, "\"version\":\"1\"");
  EXPECT_NE(check->check(verb::put, "/v1/customers/C-77", 201, created.headers, off_schema).find("body.version"),
            std::string::npos);
  http::fields without_position = created.headers;
  without_position.erase("X-Position");
  EXPECT_NE(check->check(verb::put, "/v1/customers/C-77", 201, without_position, created.body).find("X-Position"),
            std::string::npos);
  const Reply problem = server->call(verb::get, "/v1/customers/C-404", kAdminToken);
  ASSERT_EQ(problem.status, 404);
  EXPECT_EQ(check->check(verb::get, "/v1/customers/C-404", 404, problem.headers, problem.body), "");
  EXPECT_NE(check->check(verb::get, "/v1/customers/C-404", 404, problem.headers, R"({"title":"x"})"), "");
  // Nothing documented there: not the checker's business (404 / 405).
  EXPECT_EQ(check->check(verb::delete_, "/v1/customers/C-77", 405, {}, ""), "");
}

TEST_P(HttpTest, UpsertCreatesThenUpdatesWithVersionsAndPositions) {
  auto created = put_customer("C-1001");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("Location"), "/v1/customers/C-1001");
  EXPECT_EQ(created.header("ETag"), "\"1\"");
  EXPECT_FALSE(created.header("X-Position").empty());
  EXPECT_NE(created.body.find(R"("name":"王芳")"), std::string::npos);
  EXPECT_NE(created.body.find(R"("version":1)"), std::string::npos);

  auto read = server->call(verb::get, "/v1/customers/C-1001", kAgentToken, "",
                           {{"X-Min-Position", created.header("X-Position")}});
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(read.header("ETag"), "\"1\"");

  auto same = put_customer("C-1001");
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.header("ETag"), "\"1\"") << "an identical upsert changes nothing";

  auto changed = put_customer("C-1001", R"({"name":"王芳","region":"south"})", {{"If-Match", "\"1\""}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.header("ETag"), "\"2\"");
  auto stale = put_customer("C-1001", R"({"name":"x","region":"south"})", {{"If-Match", "\"1\""}});
  expect_problem(stale, 412);
}

TEST_P(HttpTest, UpsertsHonourIdempotencyKeys) {
  auto first = put_customer("C-7", R"({"name":"A","region":"north"})", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(put_customer("C-7", R"({"name":"B","region":"north"})").status, 200);
  // The retry answers as the original did, though the record has changed since.
  auto retry = put_customer("C-7", R"({"name":"A","region":"north"})", {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  expect_problem(put_customer("C-7", R"({"name":"C","region":"north"})", {{"Idempotency-Key", "k-1"}}), 422);
  auto now = server->call(verb::get, "/v1/customers/C-7", kAgentToken, "", {{"X-Min-Position", retry.header("X-Position")}});
  EXPECT_NE(now.body.find(R"("name":"B")"), std::string::npos) << "the retry wrote nothing";
}

TEST_P(HttpTest, EngineersAndUnitsValidateTheirFields) {
  auto e = server->call(verb::put, "/v1/engineers/E-7", kAdminToken,
                        R"({"name":"Li","region":"north","skills":["wm","wm","fridge"],"active":true})");
  ASSERT_EQ(e.status, 201) << e.body;
  EXPECT_NE(e.body.find(R"("skills":["fridge","wm"])"), std::string::npos) << e.body;
  expect_problem(server->call(verb::put, "/v1/engineers/E-8", kAdminToken,
                              R"({"name":"Li","region":"north","active":"yes"})"), 400);
  // A unit belongs to a known customer (api.md: 422 otherwise).
  expect_problem(server->call(verb::put, "/v1/units/WM7-000123", kAdminToken,
                              R"({"product_model":"WM-7","customer_id":"C-1001"})"), 422);
  ASSERT_EQ(server->call(verb::put, "/v1/customers/C-1001", kAdminToken, kCustomer).status, 201);
  auto u = server->call(verb::put, "/v1/units/WM7-000123", kAdminToken,
                        R"({"product_model":"WM-7","customer_id":"C-1001","installed_at":"2025-03-01T10:00:00+08:00"})");
  ASSERT_EQ(u.status, 201) << u.body;
  EXPECT_NE(u.body.find(R"("installed_at":"2025-03-01T02:00:00.000Z")"), std::string::npos) << u.body;
  expect_problem(server->call(verb::put, "/v1/units/WM7-1", kAdminToken,
                              R"({"product_model":"WM-7","customer_id":"C-1","installed_at":"March"})"), 422);
}

TEST_P(HttpTest, AuthenticationAndRoles) {
  expect_problem(server->call(verb::get, "/v1/customers/C-1", ""), 401);
  expect_problem(server->call(verb::get, "/v1/customers/C-1", "not-a-token"), 401);
  expect_problem(server->call(verb::put, "/v1/customers/C-1", kAgentToken, kCustomer), 403);
  expect_problem(server->call(verb::put, "/v1/customers/C-1", kAuditorToken, kCustomer), 403);
}

TEST_P(HttpTest, ClientMistakesGetTheStatusesOfTheContract) {
  expect_problem(server->call(verb::get, "/v1/customers/nobody", kAgentToken), 404);
  expect_problem(server->call(verb::get, "/v1/nothing-here", kAgentToken), 404);
  expect_problem(server->call(verb::get, "/nowhere", ""), 404);
  expect_problem(server->call(verb::delete_, "/v1/customers/C-1", kAdminToken), 405);
  expect_problem(server->call(verb::post, "/healthz", ""), 405);
  expect_problem(put_customer("C-1", "{\"name\":"), 400);
  expect_problem(put_customer("C-1", R"({"name":"a","name":"b","region":"x"})"), 400);
  expect_problem(put_customer("C-1", "{\"name\":\"\xff\",\"region\":\"x\"}"), 400);
  expect_problem(put_customer("C-1", R"({"name":"\ud800","region":"x"})"), 400);
  expect_problem(put_customer("C-1", R"(["not","an","object"])"), 400);
  expect_problem(put_customer("C-1", R"({"name":7,"region":"x"})"), 400);
  expect_problem(put_customer("C-1", R"({"region":"x"})"), 422);
  expect_problem(put_customer("C-1", R"({"name":"a","region":"x","tier":"diamond"})"), 422);
  expect_problem(put_customer("C-1", "{\"name\":\"" + std::string(300, 'a') + "\",\"region\":\"x\"}"), 422);
  expect_problem(put_customer(std::string(65, 'C')), 422);
  expect_problem(put_customer("C%2F1"), 422);
  expect_problem(put_customer("C-1", kCustomer, {{"If-Match", "soon"}}), 400);
  expect_problem(server->call(verb::put, "/v1/customers/C-1", kAdminToken, kCustomer,
                              {{"Content-Type", "text/plain"}}), 415);
  expect_problem(server->call(verb::get, "/v1/customers/C-1", kAgentToken, "",
                              {{"X-Min-Position", "garbage"}}), 400);
  expect_problem(server->call(verb::get, "/v1/customers/%zz", kAgentToken), 400);
  auto big = put_customer("C-1", "{\"name\":\"" + std::string(2 << 20, 'a') + "\"}");
  expect_problem(big, 413);
}

TEST_P(HttpTest, OversizedHeadersAndTargetsGet431) {
  expect_problem(server->call(verb::get, "/healthz", "", "", {{"X-Big", std::string(20000, 'a')}}), 431);
  expect_problem(server->call(verb::get, "/" + std::string(100000, 'a'), ""), 431);
  EXPECT_EQ(server->call(verb::get, "/healthz", "").status, 200) << "the server is still fine";
}

TEST_P(HttpTest, ReadYourWritesTimesOutWith504) {
  auto r = server->call(verb::get, "/v1/customers/C-1", kAgentToken, "", {{"X-Min-Position", "m0:999999"}});
  expect_problem(r, 504);
}

TEST_P(HttpTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient c(server->port());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(c.send(verb::get, "/healthz").status, 200);
}

TEST_P(HttpTest, SlowClientDoesNotBlockOthers) {
  // Half a request, never finished.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket slow(ioc);
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
  const std::string partial = "PUT /v1/customers/C-1 HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"na";
  boost::asio::write(slow, boost::asio::buffer(partial));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server->call(verb::get, "/healthz", "").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_P(HttpTest, StateSurvivesRestartAndSigtermExitsCleanly) {
  ASSERT_EQ(put_customer("C-1001").status, 201);
  ASSERT_EQ(put_customer("C-1001", R"({"name":"王芳","region":"south"})").status, 200);
  EXPECT_EQ(server->stop(), 0);
  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
  auto read = server->call(verb::get, "/v1/customers/C-1001", kAgentToken);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.header("ETag"), "\"2\"");
  // The write side continues the chain where it was.
  auto next = put_customer("C-1001", R"({"name":"王芳","region":"east"})", {{"If-Match", "\"2\""}});
  EXPECT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(next.header("ETag"), "\"3\"");
}

INSTANTIATE_TEST_SUITE_P(Logs, HttpTest, ::testing::Values(LogMode::embedded, LogMode::kafka),
                         log_mode_name);

}  // namespace
}  // namespace aftercare
