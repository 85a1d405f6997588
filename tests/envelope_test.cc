#include <gtest/gtest.h>

#include "eventstore/envelope.h"
#include "eventstore/upcast.h"

namespace aftercare {
namespace {

Envelope sample() {
  Envelope e;
  e.id = "6f1c2a9e-3b7d-4c1e-9a55-0d2b8c4e7f10";
  e.type = "aftercare.request.opened.v1";
  e.subject = "request/R-1";
  e.time = Timestamp{1795420800123};
  e.aggregate_id = "R-1";
  e.sequence = 1;
  e.command_id = "cmd-1";
  e.actor = "agent:7";
  e.correlation_id = "corr-1";
  e.prevhash = std::string(kGenesisHash);
  e.data = R"({"customer_id":"C-1001","description":"drum does not spin"})";
  return e;
}

TEST(EnvelopeTest, EncodesCloudEventsAttributesInFixedOrder) {
  EXPECT_EQ(encode(sample()),
            R"({"specversion":"1.0","id":"6f1c2a9e-3b7d-4c1e-9a55-0d2b8c4e7f10",)"
            R"("source":"/aftercare","type":"aftercare.request.opened.v1",)"
            R"("subject":"request/R-1","time":"2026-11-23T08:00:00.123Z",)"
            R"("datacontenttype":"application/json","aggregateid":"R-1","sequence":1,)"
            R"("commandid":"cmd-1","actor":"agent:7","correlationid":"corr-1",)"
            R"("prevhash":"0000000000000000000000000000000000000000000000000000000000000000",)"
            R"("data":{"customer_id":"C-1001","description":"drum does not spin"}})");
}

TEST(EnvelopeTest, RoundTripsByteForByte) {
  simdjson::dom::parser parser;
  Envelope e = sample();
  const std::string bytes = encode(e);
  auto decoded = decode(bytes, parser);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, e);
  EXPECT_EQ(encode(*decoded), bytes);
}

TEST(EnvelopeTest, RoundTripsEscapesAndNonAscii) {
  simdjson::dom::parser parser;
  Envelope e = sample();
  e.actor = "agent \"quoted\" \\ back\nslash\t\x01";
  e.data = R"({"description":"滚筒不转 \"E21\" \\ \n\u0002","nested":{"list":[1,-2,true,null,"ü"]}})";
  // The writer's form of \u0002 is lower-case hex; the decoder must reproduce it.
  const std::string bytes = encode(e);
  auto decoded = decode(bytes, parser);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->actor, e.actor);
  EXPECT_EQ(encode(*decoded), bytes);
}

TEST(EnvelopeTest, CanonicalizesDataOnDecode) {
  simdjson::dom::parser parser;
  Envelope e = sample();
  std::string bytes = encode(e);
  // Same value, different spelling: the decoder yields the canonical form.
  const std::string spaced = R"({ "customer_id" : "C-1001", "description":"drum\u0020does not spin" })";
  bytes.replace(bytes.find(R"({"customer_id")"), e.data.size(), spaced);
  auto decoded = decode(bytes, parser);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->data, e.data);
  EXPECT_NE(encode(*decoded), bytes);  // a verifier can tell non-canonical bytes apart
}

TEST(EnvelopeTest, RejectsMalformedWithClearErrors) {
  simdjson::dom::parser parser;
  const std::string good = encode(sample());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return s;
  };
  const std::pair<std::string, std::string> cases[] = {
      {"not json", "malformed JSON"},
      {"[1,2]", "not a JSON object"},
      {with(R"("specversion":"1.0")", R"("specversion":"0.3")"), "specversion"},
      {with(R"("sequence":1)", R"("sequence":"1")"), "sequence"},
      {with(R"("sequence":1)", R"("sequence":0)"), "sequence"},
      {with(R"("time":"2026-11-23T08:00:00.123Z")", R"("time":"yesterday")"), "time"},
      {with(R"("type":"aftercare.request.opened.v1")", R"("type":"request.opened")"), "type"},
      {with(R"("actor":"agent:7",)", ""), "missing attribute"},
      {with(R"("actor":"agent:7")", R"("actor":"agent:7","extra":1)"), "unknown attribute"},
      {with(R"("actor":"agent:7")", R"("actor":"agent:7","actor":"x")"), "duplicate key"},
      {with(R"("data":{)", R"("data":[{)") + "]", "malformed JSON"},
      {with(R"("prevhash":"0000)", R"("prevhash":"00)"), "prevhash"},
      // Found while fuzzing: 64 characters that are not a SHA-256 in hex.
      {with(R"("prevhash":"0000)", R"("prevhash":"ZZZZ)"), "prevhash"},
  };
  for (const auto& [bytes, expected] : cases) {
    auto r = decode(bytes, parser);
    ASSERT_FALSE(r.is_ok()) << bytes;
    EXPECT_EQ(r.status().code(), Errc::corruption);
    EXPECT_NE(r.status().message().find(expected), std::string::npos)
        << r.status().message() << " should mention " << expected;
  }
}

TEST(EventTypeTest, ParsesAndBuildsTypeNames) {
  auto t = parse_type("aftercare.request.opened.v12");
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->aggregate, "request");
  EXPECT_EQ(t->event, "opened");
  EXPECT_EQ(t->version, 12);
  EXPECT_EQ(make_type("request", "opened", 12), "aftercare.request.opened.v12");
  for (const char* bad : {"aftercare.request.opened", "aftercare..opened.v1", "x.request.opened.v1",
                          "aftercare.request.opened.v0", "aftercare.request.opened.vx"}) {
    EXPECT_FALSE(parse_type(bad).is_ok()) << bad;
  }
}

TEST(UpcastTest, AppliesStepsUntilNewestVersion) {
  Upcasters up;
  up.add("aftercare.request.opened.v1", "aftercare.request.opened.v2",
         [](const std::string& data) -> Result<std::string> {
           return data.substr(0, data.size() - 1) + R"(,"channel":"phone"})";
         });
  up.add("aftercare.request.opened.v2", "aftercare.request.opened.v3",
         [](const std::string& data) -> Result<std::string> { return data; });
  Envelope e = sample();
  e.data = R"({"a":1})";
  ASSERT_TRUE(up.upcast(e).is_ok());
  EXPECT_EQ(e.type, "aftercare.request.opened.v3");
  EXPECT_EQ(e.data, R"({"a":1,"channel":"phone"})");

  Envelope newest = sample();
  newest.type = "aftercare.request.opened.v3";
  const Envelope before = newest;
  ASSERT_TRUE(up.upcast(newest).is_ok());
  EXPECT_TRUE(newest == before);  // no step for the newest version: unchanged
}

TEST(UpcastTest, ReportsFailingStepAndCycles) {
  Upcasters up;
  up.add("aftercare.x.y.v1", "aftercare.x.y.v2",
         [](const std::string&) -> Result<std::string> { return Status{Errc::corruption, "no"}; });
  Envelope e = sample();
  e.type = "aftercare.x.y.v1";
  EXPECT_EQ(up.upcast(e).code(), Errc::corruption);

  Upcasters cyc;
  auto same = [](const std::string& d) -> Result<std::string> { return d; };
  cyc.add("aftercare.x.y.v1", "aftercare.x.y.v2", same);
  cyc.add("aftercare.x.y.v2", "aftercare.x.y.v1", same);
  Envelope c = sample();
  c.type = "aftercare.x.y.v1";
  EXPECT_EQ(cyc.upcast(c).code(), Errc::corruption);
}

}  // namespace
}  // namespace aftercare
