// Webhooks over HTTP (api-field.md §Notifications), on both logs, against a
// real local receiver (tests/webhook_receiver.h) that answers, fails, hangs
// and recovers, and across kill -9 of the service: every subscribed event
// arrives at least once, signed, in order per aggregate, and a duplicate is
// the same CloudEvent (same id, same bytes).
#include <gtest/gtest.h>

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/ids.h"
#include "tests/server_fixture.h"
#include "tests/webhook_receiver.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;
using namespace std::chrono_literals;

constexpr const char* kSecret = "a shared secret, 16+ bytes";

// Short timeouts and backoff, so a test sees retries and "failing" in a second.
ServerOptions quick_webhooks() {
  ServerOptions o;
  o.prefix = {"/usr/bin/env", "AFTERCARE_WEBHOOK_TIMEOUT=300", "AFTERCARE_WEBHOOK_RETRY_BASE=20",
              "AFTERCARE_WEBHOOK_RETRY_MAX=150", "AFTERCARE_WEBHOOK_FAILING_AFTER=600"};
  return o;
}

struct Delivered {
  std::string id, type, subject;
  int64_t sequence = 0;
};

Delivered parse_event(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element e = parser.parse(body);
  return {std::string(std::string_view(e["id"])), std::string(std::string_view(e["type"])),
          std::string(std::string_view(e["subject"])), int64_t(e["sequence"])};
}

// Per subject, the sequences in the order of their first arrival, and
// whether every duplicate is byte-identical to its first arrival.
struct Arrivals {
  std::map<std::string, std::vector<int64_t>> by_subject;
  bool duplicates_identical = true;
  size_t distinct = 0;
};

Arrivals arrivals(const std::vector<WebhookReceiver::Hit>& hits, bool answered_only = true) {
  Arrivals a;
  std::map<std::string, std::string> first;  // id -> body
  for (const auto& h : hits) {
    if (answered_only && h.answered != 204) continue;
    const Delivered d = parse_event(h.body);
    auto [it, fresh] = first.emplace(d.id, h.body);
    if (!fresh) {
      a.duplicates_identical = a.duplicates_identical && it->second == h.body;
      continue;
    }
    a.by_subject[d.subject].push_back(d.sequence);
    ++a.distinct;
  }
  return a;
}

class WebhookTest : public ::testing::TestWithParam<LogMode> {
 protected:
  TempDir tmp;
  std::unique_ptr<DevBroker> broker = GetParam() == LogMode::kafka ? std::make_unique<DevBroker>() : nullptr;
  WebhookReceiver receiver;
  std::unique_ptr<ServerProcess> server = start();
  std::string position;

  std::unique_ptr<ServerProcess> start() {
    return std::make_unique<ServerProcess>(tmp.sub("data"), broker ? broker->bootstrap() : "", quick_webhooks());
  }
  Reply send(verb method, const std::string& path, const std::string& body, const char* token = kAdminToken) {
    Reply r = server->call(method, path, token, body, {{"Content-Type", "application/json"}});
    if (r.status < 300) position = merge_positions(position, r.header("X-Position"));
    return r;
  }
  Reply get(const std::string& path, const char* token = kAdminToken) {
    return server->call(verb::get, path, token, "", {{"X-Min-Position", position}});
  }
  std::string subscribe(const std::string& id, const std::string& types, const std::string& extra = "") {
    const Reply r = send(verb::put, "/v1/webhooks/" + id,
                         R"({"url":")" + receiver.url() + R"(","event_types":)" + types + R"(,"secret":")" + kSecret + "\"" +
                             extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.body;
  }
  std::string delivery_state(const std::string& id) {
    const std::string body = get("/v1/webhooks/" + id).body;
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    std::string_view state;
    if (parser.parse(body).get(e) || e["delivery"]["state"].get_string().get(state)) return "<" + body + ">";
    return std::string(state);
  }
  bool await_state(const std::string& id, const std::string& want, std::chrono::milliseconds timeout = 10s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (delivery_state(id) == want) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  void customer(const std::string& id, const std::string& name) {
    const Reply r = send(verb::put, "/v1/customers/" + id, R"({"name":")" + name + R"(","region":"north"})");
    ASSERT_LT(r.status, 300) << r.body;
  }
};

constexpr const char* kCustomerTypes =
    R"(["aftercare.customer.registered.v2","aftercare.customer.updated.v2"])";

TEST_P(WebhookTest, EventsArriveSignedInOrderThroughFailuresHangsAndRecovery) {
  const std::string answer = subscribe(
      "erp", R"(["aftercare.customer.registered.v2","aftercare.customer.updated.v2","aftercare.request.opened.v1"])");
  EXPECT_EQ(field(answer, "secret"), "set");
  EXPECT_EQ(answer.find(kSecret), std::string::npos);
  EXPECT_EQ(answer.find("a256gcm"), std::string::npos) << "not even sealed: " << answer;
  for (int i = 1; i <= 3; ++i) customer("C-" + std::to_string(i), "first");
  ASSERT_EQ(send(verb::put, "/v1/units/U-1", R"({"product_model":"WM-7","customer_id":"C-1"})").status, 201);  // not subscribed
  customer("C-1", "second");
  const Reply opened = send(verb::post, "/v1/requests", R"({"customer_id":"C-1","channel":"phone","type":"repair"})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  ASSERT_TRUE(receiver.wait_for([](const auto& h) { return arrivals(h).distinct == 5; }, 10s)) << receiver.count();

  const auto hits = receiver.hits();
  for (const auto& h : hits) {
    EXPECT_EQ(h.signature, "sha256=" + to_hex(hmac_sha256(kSecret, h.body)));
    EXPECT_EQ(h.content_type, "application/cloudevents+json; charset=utf-8");
    EXPECT_EQ(h.webhook, "erp");
    EXPECT_NE(parse_event(h.body).type, "aftercare.unit.registered.v1") << "not subscribed";
  }
  // The body is the event as the log holds it, byte for byte.
  const Reply events = get("/v1/requests/" + field(opened.body, "id") + "/events");
  ASSERT_EQ(events.status, 200);
  const auto request_hit = std::find_if(hits.begin(), hits.end(), [](const auto& h) { return parse_event(h.body).type == "aftercare.request.opened.v1"; });
  ASSERT_NE(request_hit, hits.end());
  EXPECT_NE(events.body.find(request_hit->body), std::string::npos) << request_hit->body << "\n" << events.body;

  // The receiver fails: the next event is retried, the webhook says so, and
  // after failing_after (600 ms here) it is "failing".
  receiver.set_mode(WebhookReceiver::Mode::fail);
  customer("C-2", "second");
  customer("C-3", "second");
  ASSERT_TRUE(await_state("erp", "retrying", 5s)) << get("/v1/webhooks/erp").body;
  ASSERT_TRUE(await_state("erp", "failing", 5s)) << get("/v1/webhooks/erp").body;
  const std::string failing = get("/v1/webhooks/erp").body;
  EXPECT_NE(failing.find(R"("last_error":"HTTP 500")"), std::string::npos) << failing;
  EXPECT_EQ(failing.find(R"("failing_since":null)"), std::string::npos) << failing;

  // It hangs: each attempt times out (300 ms here) and is logged so.
  receiver.set_mode(WebhookReceiver::Mode::hang);
  ASSERT_TRUE(receiver.wait_for([](const auto& h) { return !h.empty() && h.back().answered == 0; }, 5s));
  std::this_thread::sleep_for(500ms);
  const std::string log = get("/v1/webhooks/erp/deliveries?limit=500").body;
  EXPECT_NE(log.find(R"("error":"timeout")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("http_status":500)"), std::string::npos) << log;

  // It recovers: everything arrives, in order per customer, and the webhook is healthy again.
  receiver.set_mode(WebhookReceiver::Mode::ok);
  ASSERT_TRUE(receiver.wait_for([](const auto& h) { return arrivals(h).distinct == 7; }, 10s));
  ASSERT_TRUE(await_state("erp", "healthy", 5s)) << get("/v1/webhooks/erp").body;
  const Arrivals a = arrivals(receiver.hits());
  EXPECT_TRUE(a.duplicates_identical);
  for (const std::string c : {"C-1", "C-2", "C-3"})
    EXPECT_EQ(a.by_subject.at("customer/" + c), (std::vector<int64_t>{1, 2})) << c;
  const std::string healthy = get("/v1/webhooks/erp").body;
  EXPECT_NE(healthy.find(R"("failing_since":null)"), std::string::npos) << healthy;
  EXPECT_NE(healthy.find(R"("last_error":null)"), std::string::npos) << healthy;

  // The delivery log pages newest first with a cursor that continues it.
  const Reply page = get("/v1/webhooks/erp/deliveries?limit=2");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find(R"("outcome":"delivered")"), std::string::npos) << page.body;
  const std::string cursor = field(page.body, "next_cursor");
  ASSERT_NE(cursor, "null") << page.body;
  const Reply next = get("/v1/webhooks/erp/deliveries?limit=2&cursor=" + cursor);
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(next.body.find(R"("seq":)" + cursor + ","), std::string::npos) << "the page starts after the cursor";
}

TEST_P(WebhookTest, AWebhookIsPausedUpdatedWithoutItsSecretAndStartsWhereItSays) {
  customer("C-0", "before the webhook");
  subscribe("crm", kCustomerTypes);
  customer("C-1", "after");
  ASSERT_TRUE(receiver.wait_for([](const auto& h) { return arrivals(h).distinct == 1; }, 10s));
  EXPECT_EQ(arrivals(receiver.hits()).by_subject.count("customer/C-0"), 0u) << "\"start\" defaults to now";

  // Paused: nothing is sent; on resuming, what happened meanwhile is.
  const std::string types = kCustomerTypes;
  Reply paused = send(verb::put, "/v1/webhooks/crm", R"({"url":")" + receiver.url() + R"(","event_types":)" + types + R"(,"active":false})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  ASSERT_TRUE(await_state("crm", "paused"));
  customer("C-2", "while paused");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(arrivals(receiver.hits()).distinct, 1u);
  // An identical PUT changes nothing (same version); leaving the secret out keeps it.
  const Reply same = send(verb::put, "/v1/webhooks/crm", R"({"url":")" + receiver.url() + R"(","event_types":)" + types + R"(,"active":false,"secret":")" + kSecret + "\"}");
  EXPECT_EQ(field(same.body, "version"), field(paused.body, "version")) << same.body;
  ASSERT_EQ(send(verb::put, "/v1/webhooks/crm", R"({"url":")" + receiver.url() + R"(","event_types":)" + types + "}").status, 200);
  ASSERT_TRUE(receiver.wait_for([](const auto& h) { return arrivals(h).distinct == 2; }, 10s));
  for (const auto& h : receiver.hits()) EXPECT_EQ(h.signature, "sha256=" + to_hex(hmac_sha256(kSecret, h.body)));

  // "start": "beginning" delivers the history too.
  WebhookReceiver archive;
  const Reply r = send(verb::put, "/v1/webhooks/archive",
                       R"({"url":")" + archive.url() + R"(","event_types":)" + types + R"(,"secret":"another secret of 16+","start":"beginning"})");
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(archive.wait_for([](const auto& h) { return arrivals(h).distinct == 3; }, 10s)) << archive.count();

  const Reply list = get("/v1/webhooks");
  EXPECT_NE(list.body.find(R"("id":"archive")"), std::string::npos);
  EXPECT_NE(list.body.find(R"("id":"crm")"), std::string::npos);

  // The webhooks' events are ordinary history: audited, chained, and every
  // read model rebuilt from the log is byte-identical to the live one.
  server.reset();
  std::string out;
  ASSERT_EQ(run_aftercare(with_log_args({"audit", "crm"}, tmp.sub("data"), broker.get()), &out), 0) << out;
  EXPECT_NE(out.find("aftercare.webhook.updated.v1"), std::string::npos) << out;
  EXPECT_EQ(out.find(kSecret), std::string::npos) << "the audit shows the sealed secret only";
  expect_rebuild_and_chains_verify(tmp.sub("data"), broker.get());
}

TEST_P(WebhookTest, NothingIsLostAcrossKillDashNine) {
  subscribe("erp", kCustomerTypes);
  // Everything is written while the receiver refuses it; then it takes one
  // event per 20 ms, and the service is killed a third of the way through.
  receiver.set_mode(WebhookReceiver::Mode::fail);
  constexpr int kCustomers = 60;
  for (int i = 0; i < kCustomers; ++i) customer("C-" + std::to_string(i), "first");
  for (int i = 0; i < kCustomers; ++i) customer("C-" + std::to_string(i), "second");
  receiver.set_delay(20ms);
  receiver.set_mode(WebhookReceiver::Mode::ok);
  ASSERT_TRUE(receiver.wait_for([](const auto& h) { return arrivals(h).distinct >= 40; }, 20s));
  server->kill9();
  const size_t before_restart = arrivals(receiver.hits()).distinct;
  EXPECT_LT(before_restart, 2u * kCustomers) << "the kill came too late to test anything";
  receiver.set_delay(0ms);
  server = start();
  ASSERT_TRUE(receiver.wait_for([](const auto& h) { return arrivals(h).distinct == 2 * kCustomers; }, 30s))
      << arrivals(receiver.hits()).distinct;
  const Arrivals a = arrivals(receiver.hits());
  EXPECT_TRUE(a.duplicates_identical);
  for (int i = 0; i < kCustomers; ++i)
    EXPECT_EQ(a.by_subject.at("customer/C-" + std::to_string(i)), (std::vector<int64_t>{1, 2})) << i;
}

TEST_P(WebhookTest, BadSubscriptionsGetClearErrorsAndTheSecretNeverReachesTheLog) {
  const std::string url = receiver.url();
  auto put = [&](const std::string& body) { return send(verb::put, "/v1/webhooks/w1", body); };
  auto put_id = [&](const std::string& id, const std::string& body) { return send(verb::put, "/v1/webhooks/" + id, body).status; };
  const std::string types = R"("event_types":["aftercare.request.opened.v1"])";
  const std::string secret = R"("secret":"0123456789abcdef")";
  struct Case {
    std::string body;
    int status;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {"{" + types + "," + secret + "}", 422, "\"url\" is required"},
      {R"({"url":"https://example.com/h",)" + types + "," + secret + "}", 422, "https"},
      {R"({"url":"ftp://example.com/h",)" + types + "," + secret + "}", 422, "http://"},
      {R"({"url":"http://user:pw@example.com/h",)" + types + "," + secret + "}", 422, "credentials"},
      {R"({"url":"http://example.com/h\r\nX-Evil: 1",)" + types + "," + secret + "}", 422, "printable ASCII"},
      {R"({"url":"http://exa mple.com/h",)" + types + "," + secret + "}", 422, "host"},
      {R"({"url":"http://example.com:99999/h",)" + types + "," + secret + "}", 422, "port"},
      {R"({"url":"http://example.com/h#frag",)" + types + "," + secret + "}", 422, "fragment"},
      {R"({"url":")" + url + R"(","event_types":["aftercare.request.exploded.v1"],)" + secret + "}", 422, "not an event type"},
      {R"({"url":")" + url + R"(","event_types":["aftercare.webhook.registered.v1"],)" + secret + "}", 422, "not an event type"},
      {R"({"url":")" + url + R"(","event_types":["aftercare.request.opened.v9"],)" + secret + "}", 422, "not an event type"},
      {R"({"url":")" + url + R"(","event_types":[],)" + secret + "}", 422, "1 to 64"},
      {R"({"url":")" + url + R"(","event_types":"aftercare.request.opened.v1",)" + secret + "}", 400, "array"},
      {R"({"url":")" + url + R"(",)" + types + "}", 422, "\"secret\" is required"},
      {R"({"url":")" + url + R"(",)" + types + R"(,"secret":"short"})", 422, "16 to 256"},
      {R"({"url":")" + url + R"(",)" + types + R"(,"secret":12345678901234567})", 400, "string"},
      {R"({"url":")" + url + R"(",)" + types + "," + secret + R"(,"active":"yes"})", 400, "true or false"},
      {R"({"url":")" + url + R"(",)" + types + "," + secret + R"(,"start":"yesterday"})", 422, "now, beginning"},
      {"{\"url\":\"http://example.com/\xff\"," + types + "," + secret + "}", 400, "UTF-8"},
  };
  for (const Case& c : cases) {
    const Reply r = put(c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(field(r.body, "detail").find(c.detail), std::string::npos) << c.body << " -> " << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << c.body;
  }
  EXPECT_EQ(send(verb::put, "/v1/webhooks/bad%20id", "{" + types + "," + secret + "}").status, 422);
  EXPECT_EQ(get("/v1/webhooks/w1").status, 404) << "nothing was registered";
  EXPECT_EQ(get("/v1/webhooks/w1/deliveries").status, 404);
  EXPECT_EQ(send(verb::put, "/v1/webhooks/w1", R"({"url":")" + url + R"(",)" + types + "," + secret + "}", kManagerToken).status, 403);

  const std::string clear = "this secret must not be in the log";
  ASSERT_EQ(put(R"({"url":")" + url + R"(",)" + types + R"(,"secret":")" + clear + "\"}").status, 201);
  EXPECT_EQ(get("/v1/webhooks/w1/deliveries?cursor=x").status, 400);
  EXPECT_EQ(get("/v1/webhooks/w1/deliveries?limit=0").status, 400);
  EXPECT_EQ(get("/v1/webhooks/w1/deliveries?limit=501").status, 400);
  // At most 100 webhooks (each is a consumer of its own); paused ones count.
  for (int i = 2; i <= 100; ++i)
    ASSERT_EQ(put_id("w" + std::to_string(i), R"({"url":")" + url + R"(",)" + types + "," + secret + R"(,"active":false})"), 201) << i;
  const Reply over = send(verb::put, "/v1/webhooks/w101", R"({"url":")" + url + R"(",)" + types + "," + secret + "}");
  EXPECT_EQ(over.status, 422) << over.body;
  EXPECT_NE(field(over.body, "detail").find("100 webhooks"), std::string::npos) << over.body;
  EXPECT_EQ(send(verb::put, "/v1/webhooks/w100", R"({"url":")" + url + R"(",)" + types + "}").status, 200) << "updating one is fine";

  // The webhook's events as the log holds them, decoded: the secret only sealed.
  std::string audit;
  ASSERT_EQ(run_aftercare(with_log_args({"audit", "w1"}, tmp.sub("data"), broker.get()), &audit), 0) << audit;
  EXPECT_NE(audit.find("aftercare.webhook.registered.v1"), std::string::npos) << audit;
  EXPECT_NE(audit.find("a256gcm:"), std::string::npos) << audit;
  EXPECT_EQ(audit.find(clear), std::string::npos) << audit;
  if (GetParam() == LogMode::embedded) {
    // Every byte the service wrote to disk, log included: the secret is sealed everywhere.
    // The url, which the event holds in clear, is found: the scan sees what the log holds.
    bool url_seen = false;
    for (const auto& f : std::filesystem::recursive_directory_iterator(tmp.sub("data"))) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      url_seen = url_seen || bytes.str().find(url) != std::string::npos;
      EXPECT_EQ(bytes.str().find(clear), std::string::npos) << f.path();
    }
    EXPECT_TRUE(url_seen) << "the scan could not see the events' bytes, so it proves nothing";
  }
}

INSTANTIATE_TEST_SUITE_P(Logs, WebhookTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
