// What the console and the portal added to the API, against a real server:
// the static files, /v1/me, the caller look-up and the customers' portal
// tokens — and the hostile tries against each (another region's token, an
// engineer's, a forged or tampered portal token, bytes that are not UTF-8).
#include <gtest/gtest.h>

#include <future>

#include "api/tokens.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

class ConsoleApiTest : public ::testing::Test {
 protected:
  TempDir tmp;
  ServerProcess server{tmp.sub("data")};
  std::string position;

  Reply as(const std::string& token, verb method, const std::string& path, const std::string& body = "",
           std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!position.empty()) headers.emplace_back("X-Min-Position", position);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return server.call(method, path, token, body, headers);
  }
  Reply admin(verb method, const std::string& path, const std::string& body) {
    Reply r = as(kAdminToken, method, path, body);
    EXPECT_LT(r.status, 300) << path << ": " << r.body;
    position = merge_positions(position, r.header("X-Position"));
    return r;
  }
  void SetUp() override {
    admin(verb::put, "/v1/customers/C-N", R"({"name":"North Co","phone":"+86 138-0013-8000","region":"north"})");
    admin(verb::put, "/v1/customers/C-N2", R"({"name":"Also North","phone":"010 6666 8000","region":"north"})");
    admin(verb::put, "/v1/customers/C-S", R"({"name":"South Co","phone":"+86 20 2222 8000","region":"south"})");
    admin(verb::put, "/v1/units/U-N", R"({"product_model":"WM-7","customer_id":"C-N"})");
    admin(verb::put, "/v1/units/U-S", R"({"product_model":"WM-7","customer_id":"C-S"})");
    admin(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true})");
  }
  std::string portal_token(const char* customer, const char* by = kAgentToken) {
    Reply r = as(by, verb::post, std::string("/v1/customers/") + customer + "/portal-token", R"({"days":1})");
    EXPECT_EQ(r.status, 201) << r.body;
    return field(r.body, "token");
  }
};

std::vector<std::string> customer_ids(const std::string& lookup) {
  std::vector<std::string> ids;
  for (size_t at = 0; (at = lookup.find("\"customer\":{\"id\":\"", at)) != std::string::npos;) {
    at += 18;
    ids.push_back(lookup.substr(at, lookup.find('"', at) - at));
  }
  return ids;
}

TEST_F(ConsoleApiTest, TheConsoleAndThePortalAreServedFromTheBinaryWithAStrictPolicy) {
  for (const char* path : {"/", "/portal"}) {
    Reply page = server.call(verb::get, path, "");
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(page.header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
    EXPECT_NE(page.body.find("<main id=\"main\""), std::string::npos);
  }
  Reply js = server.call(verb::get, "/assets/console.js", "");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("X-Content-Type-Options"), "nosniff");
  // Revalidation: the same ETag answers 304 with no body.
  Reply again = server.call(verb::get, "/assets/console.js", "", "", {{"If-None-Match", js.header("ETag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  // Names are looked up, never opened: nothing outside web/, nothing that is not there.
  for (const char* path : {"/assets/..%2F..%2Fetc%2Fpasswd", "/assets/%2Fetc%2Fpasswd", "/assets/README.md", "/assets/nope.js",
                           "/assets/%FF%FE.js"}) {
    Reply r = server.call(verb::get, path, "");
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << path;
  }
}

TEST_F(ConsoleApiTest, MeSaysWhoATokenIs) {
  Reply me = as(kEngineerE7Token, verb::get, "/v1/me");
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(field(me.body, "role"), "engineer");
  EXPECT_EQ(field(me.body, "engineer_id"), "E-7");
  EXPECT_EQ(field(me.body, "customer_id"), "null");
  EXPECT_EQ(field(as(kSouthAgentToken, verb::get, "/v1/me").body, "regions"), R"(["south"])");
  EXPECT_EQ(as("", verb::get, "/v1/me").status, 401);
}

TEST_F(ConsoleApiTest, TheLookUpFindsACallerByTheTrailingDigitsOfTheirNumberWithinTheTokensScope) {
  // "138 0013 8000" and "13800138000" are the same caller as "+86 138-0013-8000".
  for (const char* number : {"138%200013%208000", "13800138000", "%2B8613800138000"})
    EXPECT_EQ(customer_ids(as(kAgentToken, verb::get, std::string("/v1/lookup?phone=") + number).body),
              std::vector<std::string>{"C-N"}) << number;
  // Six trailing digits match every number ending in them (in id order), as far as the token sees.
  EXPECT_EQ(customer_ids(as(kAgentToken, verb::get, "/v1/lookup?phone=668000").body), std::vector<std::string>{"C-N2"});
  const auto all = customer_ids(as(kAgentToken, verb::get, "/v1/lookup?phone=228000").body);
  EXPECT_EQ(all, std::vector<std::string>{"C-S"});
  // A south agent does not find north customers, neither by number nor by serial nor by id.
  EXPECT_EQ(customer_ids(as(kSouthAgentToken, verb::get, "/v1/lookup?phone=13800138000").body), std::vector<std::string>{});
  EXPECT_EQ(customer_ids(as(kSouthAgentToken, verb::get, "/v1/lookup?serial=U-N").body), std::vector<std::string>{});
  EXPECT_EQ(customer_ids(as(kSouthAgentToken, verb::get, "/v1/lookup?customer_id=C-N").body), std::vector<std::string>{});
  EXPECT_EQ(customer_ids(as(kSouthAgentToken, verb::get, "/v1/lookup?serial=U-S").body), std::vector<std::string>{"C-S"});
  // An engineer finds only the customers of their own work (none yet).
  EXPECT_EQ(customer_ids(as(kEngineerE7Token, verb::get, "/v1/lookup?customer_id=C-N").body), std::vector<std::string>{});
  // The units come with the customer.
  Reply by_serial = as(kAgentToken, verb::get, "/v1/lookup?serial=U-N");
  EXPECT_NE(by_serial.body.find(R"("id":"U-N")"), std::string::npos) << by_serial.body;
  EXPECT_EQ(field(by_serial.body, "matched_by"), "serial");
  // A changed number is found by the new one only.
  admin(verb::put, "/v1/customers/C-N", R"({"name":"North Co","phone":"+86 139 0000 1111","region":"north"})");
  EXPECT_EQ(customer_ids(as(kAgentToken, verb::get, "/v1/lookup?phone=13800138000").body), std::vector<std::string>{});
  EXPECT_EQ(customer_ids(as(kAgentToken, verb::get, "/v1/lookup?phone=13900001111").body), std::vector<std::string>{"C-N"});
}

TEST_F(ConsoleApiTest, TheLookUpRefusesWhatItCannotAnswerInWords) {
  for (const char* query : {"", "?phone=12345", "?phone=%FF%FE%FD", "?phone=138&serial=U-N", "?phone=13800138000&customer_id=C-N"}) {
    Reply r = as(kAgentToken, verb::get, std::string("/v1/lookup") + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  }
  // Bytes that are not UTF-8 in a serial or an id: nothing matches, nothing is echoed.
  for (const char* query : {"?serial=%FF%FE", "?customer_id=%C3%28"}) {
    Reply r = as(kAgentToken, verb::get, std::string("/v1/lookup") + query);
    EXPECT_EQ(r.status, 200) << query;
    EXPECT_EQ(field(r.body, "items"), "[]");
  }
  EXPECT_EQ(as(kCustomerCNToken, verb::get, "/v1/lookup?customer_id=C-N").status, 403);
}

TEST_F(ConsoleApiTest, APortalTokenSeesItsCustomersOwnRequestsAndNothingElse) {
  const std::string token = portal_token("C-N");
  ASSERT_EQ(token.rfind("acp1.C-N.", 0), 0u) << token;
  EXPECT_EQ(field(as(token, verb::get, "/v1/me").body, "customer_id"), "C-N");
  // It opens requests for its own customer only, on the web, in the customer's region.
  Reply mine = as(token, verb::post, "/v1/requests", R"({"customer_id":"C-N","channel":"phone","type":"repair","serial_no":"U-N"})",
                  {{"Idempotency-Key", "portal-1"}});
  ASSERT_EQ(mine.status, 201) << mine.body;
  EXPECT_EQ(field(mine.body, "channel"), "web");
  EXPECT_EQ(field(mine.body, "region"), "north");
  position = merge_positions(position, mine.header("X-Position"));
  // The same Idempotency-Key twice: one request.
  Reply retry = as(token, verb::post, "/v1/requests", R"({"customer_id":"C-N","channel":"phone","type":"repair","serial_no":"U-N"})",
                   {{"Idempotency-Key", "portal-1"}});
  EXPECT_EQ(field(retry.body, "id"), field(mine.body, "id"));
  Reply theirs = as(token, verb::post, "/v1/requests", R"({"customer_id":"C-S","channel":"web","type":"repair"})");
  Reply missing = as(token, verb::post, "/v1/requests", R"({"customer_id":"C-NONE","channel":"web","type":"repair"})");
  EXPECT_EQ(theirs.status, 422);
  EXPECT_EQ(field(theirs.body, "detail"), R"(unknown customer "C-S")");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(as(token, verb::post, "/v1/requests", R"({"customer_id":"C-N","channel":"web","type":"repair","serial_no":"U-S"})").status, 422);
  EXPECT_EQ(as(token, verb::post, "/v1/requests", R"({"customer_id":"C-N","channel":"web","type":"repair","region":"south"})").status, 403);
  // Another customer's request is answered as one that does not exist.
  Reply south = admin(verb::post, "/v1/requests", R"({"customer_id":"C-S","channel":"phone","type":"repair"})");
  const std::string south_id = field(south.body, "id");
  Reply hidden = as(token, verb::get, "/v1/requests/" + south_id);
  Reply none = as(token, verb::get, "/v1/requests/R-00000000000000000000");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.body, none.body);
  EXPECT_EQ(as(token, verb::get, "/v1/customers/C-S/history").status, 404);
  // Lists hold its own requests only, whatever it asks for.
  Reply list = as(token, verb::get, "/v1/requests");
  EXPECT_NE(list.body.find(field(mine.body, "id")), std::string::npos);
  EXPECT_EQ(list.body.find(south_id), std::string::npos);
  EXPECT_EQ(as(token, verb::get, "/v1/requests?customer_id=C-S").status, 403);
  Reply history = as(token, verb::get, "/v1/customers/C-N/history");
  EXPECT_EQ(history.status, 200);
  EXPECT_EQ(field(history.body, "open_requests"), "1");
  // Staff routes are not the portal's.
  for (const char* path : {"/v1/engineers", "/v1/dispatches", "/v1/customers/C-N", "/v1/units/U-N", "/v1/stats/problems", "/v1/stock"})
    EXPECT_EQ(as(token, verb::get, path).status, 403) << path;
  EXPECT_EQ(as(token, verb::get, "/v1/requests/" + field(mine.body, "id") + "/events").status, 403);
  EXPECT_EQ(as(token, verb::get, "/v1/requests/" + field(mine.body, "id") + "?as_of=2026-01-01T00:00:00Z").status, 403);
  EXPECT_EQ(as(token, verb::post, "/v1/customers/C-N/portal-token", "{}").status, 403);
  // The request records who opened it: the customer, never the token.
  Reply events = as(kManagerToken, verb::get, "/v1/requests/" + field(mine.body, "id") + "/events");
  EXPECT_NE(events.body.find(R"("actor":"customer:C-N")"), std::string::npos) << events.body;
  EXPECT_EQ(events.body.find(token), std::string::npos);
}

TEST_F(ConsoleApiTest, TheSamePortalRequestSentFromTwoTabsAtOnceOpensOneRequest) {
  const std::string token = portal_token("C-N");
  const std::string body = R"({"customer_id":"C-N","channel":"web","type":"repair","description":"双击 double click"})";
  std::vector<std::future<Reply>> sends;
  for (int i = 0; i < 4; ++i)
    sends.push_back(std::async(std::launch::async, [&] { return as(token, verb::post, "/v1/requests", body, {{"Idempotency-Key", "tab-key"}}); }));
  std::set<std::string> ids;
  for (auto& f : sends) {
    Reply r = f.get();
    EXPECT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
    ids.insert(field(r.body, "id"));
    position = merge_positions(position, r.header("X-Position"));
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(field(as(token, verb::get, "/v1/customers/C-N/history").body, "open_requests"), "1");
  // Another customer with the same key opens their own request: keys are per caller.
  admin(verb::put, "/v1/customers/C-N3", R"({"name":"Third","region":"north"})");
  Reply other = as(portal_token("C-N3"), verb::post, "/v1/requests", R"({"customer_id":"C-N3","channel":"web","type":"repair"})",
                   {{"Idempotency-Key", "tab-key"}});
  EXPECT_EQ(other.status, 201) << other.body;
  EXPECT_FALSE(ids.count(field(other.body, "id")));
}

TEST_F(ConsoleApiTest, PortalTokensAreIssuedWithinTheIssuersScopeAndCannotBeForged) {
  // Issued by agents, managers and admins, for customers they may see.
  EXPECT_EQ(as(kSouthAgentToken, verb::post, "/v1/customers/C-N/portal-token", "{}").status, 404);
  EXPECT_EQ(as(kSouthAgentToken, verb::post, "/v1/customers/C-N/portal-token", "{}").body,
            as(kSouthAgentToken, verb::post, "/v1/customers/C-NONE/portal-token", "{}").body);
  EXPECT_EQ(as(kNorthDispatcherToken, verb::post, "/v1/customers/C-N/portal-token", "{}").status, 403);
  EXPECT_EQ(as(kEngineerE7Token, verb::post, "/v1/customers/C-N/portal-token", "{}").status, 403);
  EXPECT_EQ(as(kAgentToken, verb::post, "/v1/customers/C-N/portal-token", R"({"days":91})").status, 422);
  EXPECT_EQ(as(kAgentToken, verb::post, "/v1/customers/C-N/portal-token", R"({"days":"7"})").status, 400);
  EXPECT_EQ(as(kAgentToken, verb::post, "/v1/customers/C-N/portal-token", R"([])").status, 400);
  EXPECT_EQ(as(kAgentToken, verb::post, "/v1/customers/C-N/portal-token", "{\"days\":\"\xff\"}").status, 400);

  const std::string token = portal_token("C-N");
  // Changing the customer, the expiry or the MAC: 401, like no token at all.
  std::string other = token;
  other.replace(5, 3, "C-S");
  std::string longer = token;
  const size_t expiry = longer.find('.', 5) + 1;
  longer.replace(expiry, 1, std::to_string((longer[expiry] - '0' + 1) % 10));
  std::string bad_mac = token;
  bad_mac.back() = bad_mac.back() == '0' ? '1' : '0';
  for (const std::string& forged : {other, longer, bad_mac, std::string("acp1.C-N.9999999999.") + std::string(64, '0'),
                                    std::string("acp1."), std::string("acp1.\xff\xfe.1.2"), token + "0"})
    EXPECT_EQ(as(forged, verb::get, "/v1/me").status, 401) << forged;
}

TEST(PortalRestart, APortalTokenAndTheLookUpSurviveKillDashNine) {
  TempDir tmp;
  auto server = std::make_unique<ServerProcess>(tmp.sub("data"));
  auto call = [&](const std::string& token, verb method, const std::string& path, const std::string& body = "") {
    return server->call(method, path, token, body, body.empty() ? std::vector<std::pair<std::string, std::string>>{}
                                                                : std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"}});
  };
  ASSERT_EQ(call(kAdminToken, verb::put, "/v1/customers/C-N", R"({"name":"North Co","phone":"+86 138 0013 8000","region":"north"})").status, 201);
  Reply issued = call(kAgentToken, verb::post, "/v1/customers/C-N/portal-token", "{}");
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string token = field(issued.body, "token");
  Reply opened = call(token, verb::post, "/v1/requests", R"({"customer_id":"C-N","channel":"web","type":"repair"})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  server->kill9();
  server = std::make_unique<ServerProcess>(tmp.sub("data"));
  // The key the token was made with is on disk (actor.key): the customer is still signed in.
  EXPECT_EQ(field(call(token, verb::get, "/v1/me").body, "customer_id"), "C-N");
  EXPECT_EQ(call(token, verb::get, "/v1/requests/" + field(opened.body, "id")).status, 200);
  EXPECT_EQ(customer_ids(call(kAgentToken, verb::get, "/v1/lookup?phone=13800138000").body), std::vector<std::string>{"C-N"});
}

TEST(PortalTokens, ExpireAndAreBoundToTheServersKey) {
  auto tokens = Tokens::parse("[]", "actor key of 32 or more characters!!");
  ASSERT_TRUE(tokens);
  const std::string t = tokens->issue_portal("C-1", 1'000);
  EXPECT_TRUE(tokens->find_portal(t, 999).has_value());
  EXPECT_EQ(tokens->find_portal(t, 999)->customer_id, "C-1");
  EXPECT_EQ(tokens->find_portal(t, 999)->actor, "customer:C-1");
  EXPECT_FALSE(tokens->find_portal(t, 1'000).has_value()) << "valid until, not at, its expiry";
  auto rotated = Tokens::parse("[]", "another actor key of 32+ characters!");
  EXPECT_FALSE(rotated->find_portal(t, 999).has_value()) << "a new actor.key revokes every portal token";
  // A customer id with dots is still one customer.
  const std::string dotted = tokens->issue_portal("C.1.2", 1'000);
  EXPECT_EQ(tokens->find_portal(dotted, 1)->customer_id, "C.1.2");
}

TEST(PortalTokens, TheTokensFileNamesCustomersOnlyForCustomerTokens) {
  const char* key = "actor key of 32 or more characters!!";
  EXPECT_TRUE(Tokens::parse(R"([{"token":"customer-token-0123","role":"customer","customer_id":"C-1"}])", key).is_ok());
  EXPECT_FALSE(Tokens::parse(R"([{"token":"customer-token-0123","role":"customer"}])", key).is_ok());
  EXPECT_FALSE(Tokens::parse(R"([{"token":"agent-token-0123456","role":"agent","customer_id":"C-1"}])", key).is_ok());
  EXPECT_FALSE(Tokens::parse("[{\"token\":\"customer-token-0123\",\"role\":\"customer\",\"customer_id\":\"C\\u0001\"}]", key).is_ok());
  auto file = Tokens::parse(R"([{"token":"customer-token-0123","role":"customer","customer_id":"C-1","name":"kiosk"}])", key);
  ASSERT_TRUE(file.is_ok());
  EXPECT_EQ(file->find("customer-token-0123")->actor, "customer:C-1") << "recorded as the customer, like a portal token";
}

}  // namespace
}  // namespace aftercare
