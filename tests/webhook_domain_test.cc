// The webhook kind's pure parts, table-driven: which URLs and event types a
// subscription accepts, what decide() writes (and where delivery of each
// topic starts), and sealing a secret so that only its owner opens it.
#include <gtest/gtest.h>

#include <simdjson.h>

#include "base/sealed.h"
#include "domain/json.h"
#include "domain/webhook.h"

namespace aftercare {
namespace {

TEST(WebhookUrl, AcceptsPlainHttpAndRefusesEverythingElseWithAReason) {
  struct Ok {
    const char* url;
    const char* host;
    uint16_t port;
    const char* target;
  };
  for (const Ok& c : {Ok{"http://h", "h", 80, "/"}, Ok{"http://relay.internal:8000/a/b?x=1&y=%20", "relay.internal", 8000, "/a/b?x=1&y=%20"},
                      Ok{"http://10.0.0.7?q", "10.0.0.7", 80, "/?q"}, Ok{"http://[::1]:9/x", "::1", 9, "/x"},
                      Ok{"http://a-b.c:65535", "a-b.c", 65535, "/"}}) {
    auto u = parse_webhook_url(c.url);
    ASSERT_TRUE(u) << c.url << ": " << u.status().message();
    EXPECT_EQ(u->host, c.host) << c.url;
    EXPECT_EQ(u->port, c.port) << c.url;
    EXPECT_EQ(u->target, c.target) << c.url;
  }
  struct Bad {
    std::string url;
    const char* why;
  };
  const std::vector<Bad> bad = {
      {"https://h/x", "https"},           {"HTTP://h/x", "http://"},          {"h/x", "http://"},
      {"http://", "host"},                {"http:///x", "host"},              {"http://u:p@h/x", "credentials"},
      {"http://h:0/x", "port"},           {"http://h:65536/x", "port"},       {"http://h:/x", "port"},
      {"http://h:8o/x", "port"},          {"http://h/x#f", "fragment"},       {"http://h/a b", "printable ASCII"},
      {"http://h/a\r\nHost: evil", "printable ASCII"}, {"http://h/\x7f", "printable ASCII"},
      {"http://h/\xc3\xa9", "printable ASCII"}, {"http://[::1/x", "IPv6"},   {"http://[zz]/x", "IPv6"},
      {"http://h_h/x", "host"},           {"http://" + std::string(254, 'a'), "host"},
      {"http://h/" + std::string(2048, 'a'), "2048"},
  };
  for (const Bad& c : bad) {
    auto u = parse_webhook_url(c.url);
    ASSERT_FALSE(u) << c.url;
    EXPECT_EQ(u.status().code(), Errc::unprocessable) << c.url;
    EXPECT_NE(u.status().message().find(c.why), std::string::npos) << c.url << ": " << u.status().message();
  }
}

TEST(WebhookEventTypes, OnlyTypesSomeKindWritesMayBeSubscribed) {
  EXPECT_EQ(subscribable_topic("aftercare.request.opened.v1"), "aftercare.requests");
  EXPECT_EQ(subscribable_topic("aftercare.dispatch.offered.v1"), "aftercare.dispatches");
  EXPECT_EQ(subscribable_topic("aftercare.request.reported.v2"), "aftercare.requests") << "an older version";
  EXPECT_EQ(subscribable_topic("aftercare.engineer_status.reported.v1"), "aftercare.master");
  EXPECT_EQ(subscribable_topic("aftercare.command.refused.v1"), "aftercare.commands");
  for (const char* t : {"aftercare.request.opened.v0", "aftercare.request.opened.v01", "aftercare.request.opened.v99",
                        "aftercare.request.opened", "aftercare.request.exploded.v1", "aftercare.nothing.opened.v1",
                        "aftercare.webhook.registered.v1", "request.opened.v1", "", "aftercare..v1", "aftercare.request.opened.v1x"})
    EXPECT_FALSE(subscribable_topic(t)) << t;
}

WebhookSettings settings(std::vector<std::string> types, bool active = true) {
  WebhookSettings c;
  c.url = "http://h/x";
  c.event_types = std::move(types);
  c.active = active;
  return c;
}

WebhookState fold(const WebhookState& s, const Decision& d) {
  const auto& events = std::get<std::vector<Event>>(d);
  EXPECT_EQ(events.size(), 1u);
  auto state = webhook_kind().spec().empty_state();
  if (s.exists) state = std::move(webhook_kind().spec().state_from_json(webhook_to_json(s))).value();
  EXPECT_TRUE(state->apply("W", events[0]));
  return webhook_state(state.get());
}

TEST(WebhookDecide, WhereDeliveryStartsIsDecidedOncePerTopicAndKept) {
  const Timestamp t{1'700'000'000'000};
  const StartOffsets end1{{"aftercare.requests", {5, 7}}, {"aftercare.dispatches", {1, 2}}};
  const StartOffsets end2{{"aftercare.requests", {50, 70}}, {"aftercare.dispatches", {10, 20}}};

  auto refused = decide_webhook({}, settings({"aftercare.request.opened.v1"}), "", end1, t);
  ASSERT_TRUE(rejected(refused));
  EXPECT_EQ(std::get<Rejection>(refused).code, Errc::unprocessable);

  // Registered "now": requests from the log's end then.
  auto d = decide_webhook({}, settings({"aftercare.request.opened.v1"}), "a256gcm:s1", end1, t);
  ASSERT_EQ(std::get<std::vector<Event>>(d)[0].name, "registered");
  WebhookState s = fold({}, d);
  EXPECT_EQ(s.from, (StartOffsets{{"aftercare.requests", {5, 7}}}));
  EXPECT_EQ(s.secret, "a256gcm:s1");

  // The same settings and secret again: nothing. No secret given: the sealed one is kept.
  EXPECT_TRUE(std::get<std::vector<Event>>(decide_webhook(s, settings({"aftercare.request.opened.v1"}), "a256gcm:s1", end2, t)).empty());
  EXPECT_TRUE(std::get<std::vector<Event>>(decide_webhook(s, settings({"aftercare.request.opened.v1"}), "", end2, t)).empty());

  // A topic added later starts at that update's end; the one subscribed before keeps its start.
  d = decide_webhook(s, settings({"aftercare.dispatch.offered.v1", "aftercare.request.opened.v1"}), "", end2, t);
  ASSERT_EQ(std::get<std::vector<Event>>(d)[0].name, "updated");
  s = fold(s, d);
  EXPECT_EQ(s.from, (StartOffsets{{"aftercare.dispatches", {10, 20}}, {"aftercare.requests", {5, 7}}}));
  EXPECT_EQ(s.secret, "a256gcm:s1");

  // Pausing is a change; a topic dropped and added again starts anew.
  s = fold(s, decide_webhook(s, settings({"aftercare.dispatch.offered.v1"}, false), "", end2, t));
  EXPECT_FALSE(s.active);
  EXPECT_EQ(s.from, (StartOffsets{{"aftercare.dispatches", {10, 20}}}));
  s = fold(s, decide_webhook(s, settings({"aftercare.dispatch.offered.v1", "aftercare.request.opened.v1"}), "", end2, t));
  EXPECT_EQ(s.from.at("aftercare.requests"), (std::vector<int64_t>{50, 70}));

  // "start": "beginning" applies to the registration: every partition from 0.
  WebhookSettings all = settings({"aftercare.request.opened.v1", "aftercare.request.reported.v3"});
  all.from_beginning = true;
  const WebhookState b = fold({}, decide_webhook({}, all, "a256gcm:s2", end1, t));
  EXPECT_EQ(b.from, (StartOffsets{{"aftercare.requests", {}}}));
  // The event's data is what a client may never see: the public view hides the secret and `from`.
  const std::string view = webhook_public_json("W", b);
  EXPECT_EQ(view.find("a256gcm"), std::string::npos) << view;
  EXPECT_EQ(view.find("from"), std::string::npos) << view;
  EXPECT_NE(view.find(R"("secret":"set")"), std::string::npos) << view;
}

TEST(WebhookSettingsBody, WrongTypesAre400AndBadValues422) {
  simdjson::dom::parser parser;
  auto decode = [&](const std::string& body) { return decode_webhook_settings(parser.parse(body).value()); };
  auto ok = decode(R"({"url":"http://h/x","event_types":["aftercare.request.opened.v1","aftercare.request.opened.v1"],"secret":"0123456789abcdef"})");
  ASSERT_TRUE(ok) << ok.status().message();
  EXPECT_EQ(ok->event_types.size(), 1u) << "repeats dropped";
  EXPECT_TRUE(ok->active);
  EXPECT_FALSE(ok->from_beginning);
  struct Case {
    const char* body;
    Errc code;
  };
  for (const Case& c : {Case{R"([])", Errc::invalid_argument},
                        Case{R"({"url":7,"event_types":["aftercare.request.opened.v1"]})", Errc::invalid_argument},
                        Case{R"({"url":"http://h","event_types":[7]})", Errc::invalid_argument},
                        Case{R"({"url":"http://h","event_types":["aftercare.request.opened.v1"],"secret":"x"})", Errc::unprocessable},
                        Case{R"({"url":"http://h","event_types":["aftercare.request.opened.v1"],"start":"then"})", Errc::unprocessable},
                        Case{R"({"url":"http://h"})", Errc::unprocessable}}) {
    auto r = decode(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.status().code(), c.code) << c.body << ": " << r.status().message();
  }
}

TEST(Sealer, OnlyTheSameKeyAndOwnerOpenASealedSecret) {
  auto a = Sealer::with_key(std::string(32, 'a')), b = Sealer::with_key(std::string(32, 'b'));
  ASSERT_TRUE(a && b);
  auto sealed = a->seal("the secret", "W-1");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->find("the secret"), std::string::npos);
  EXPECT_NE(*sealed, *a->seal("the secret", "W-1")) << "a fresh nonce each time";
  EXPECT_EQ(*a->unseal(*sealed, "W-1"), "the secret");
  EXPECT_FALSE(a->unseal(*sealed, "W-2")) << "bound to its owner";
  EXPECT_FALSE(b->unseal(*sealed, "W-1")) << "another key";
  std::string tampered = *sealed;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_FALSE(a->unseal(tampered, "W-1"));
  for (const char* junk : {"", "a256gcm:", "a256gcm:zz:00", "plain", "a256gcm:000000000000000000000000:00"})
    EXPECT_FALSE(a->unseal(junk, "W-1")) << junk;
  EXPECT_FALSE(Sealer::with_key("short"));
}

}  // namespace
}  // namespace aftercare
