// Poison input: nothing a client sends may leave an event in the log that
// does not decode again, and a log that already holds such a record (an
// older version wrote it, a foreign producer, a damaged disk) must not
// brick the service. On both logs, against the real binary.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "eventstore/topics.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;
using SteadyClock = std::chrono::steady_clock;


std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {kHex[c >> 4], kHex[c & 0xf]};
  return out;
}

class PoisonTest : public ServerOnEitherLog {
 protected:
  Reply put_customer(const std::string& id, std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return server->call(verb::put, "/v1/customers/" + id, kAdminToken, R"({"name":"王芳","region":"north"})",
                        headers);
  }
  Reply open(std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return server->call(verb::post, "/v1/requests", kAdminToken,
                        R"({"customer_id":"C-1","channel":"phone","type":"repair"})", headers);
  }
  // replay --verify and audit --verify-chains both pass on the data directory.
  void expect_log_sound(const std::string& what) {
    std::string out;
    auto args = log_args(tmp.sub("data"), broker.get());
    std::vector<std::string> verify{"replay", "--verify"};
    verify.insert(verify.end(), args.begin(), args.end());
    EXPECT_EQ(run_aftercare(verify, &out), 0) << what << ": " << out;
    std::vector<std::string> chains{"audit", "--verify-chains"};
    chains.insert(chains.end(), args.begin(), args.end());
    EXPECT_EQ(run_aftercare(chains, &out), 0) << what << ": " << out;
  }
  // Appends one record of `bytes` under `key` to aftercare.requests, behind the service's back.
  void inject(const std::string& key, const std::string& bytes) {
    std::string out;
    if (!broker) {
      Child helper({AFTERCARE_TEST_HELPER, "append-raw", tmp.sub("data") + "/log", "aftercare.requests", key, hex(bytes)});
      std::string line;
      ASSERT_TRUE(helper.read_line(line)) << "test_helper append-raw failed";
      ASSERT_EQ(helper.wait(), 0);
      return;
    }
    const std::string file = tmp.sub("poison.bin");
    std::ofstream(file, std::ios::binary) << bytes;
    ASSERT_EQ(shell("kcat -P -b " + broker->bootstrap() + " -t aftercare.requests -p " +
                        std::to_string(partition_for_key(key, 4)) + " -k " + key + " -l " + file, &out_),
              0)
        << out_;
  }
  std::string out_;
};

TEST_P(PoisonTest, HeadersAndIdsThatWouldReachAnEventAreRefusedAtTheEdge) {
  ASSERT_EQ(put_customer("C-1").status, 201);
  const std::vector<std::string> bad_values = {
      "abc\xff\xfe",                 // not UTF-8 (the reported attack)
      "\xc3\x28",                    // a broken two-byte sequence
      "\xed\xa0\x80",                // an encoded surrogate
      "caf\xc3\xa9",                 // valid UTF-8, but not visible ASCII
      "two words",                   // a space
      std::string(129, 'k'),         // too long
  };
  for (const auto& bad : bad_values) {
    for (const char* header : {"X-Correlation-Id", "Idempotency-Key"}) {
      const int put = put_customer("C-1", {{header, bad}}).status;
      EXPECT_TRUE(put == 400) << header << " " << hex(bad) << " on PUT: " << put;
      const int post = open({{header, bad}}).status;
      EXPECT_TRUE(post == 400) << header << " " << hex(bad) << " on POST: " << post;
    }
  }
  // Ids come from the path, percent-decoded: they must be ids.
  for (const char* id : {"%FF%FE", "a%01b", "%C3%28", "x%20y"}) {
    EXPECT_EQ(server->call(verb::put, std::string("/v1/customers/") + id, kAdminToken, R"({"name":"a","region":"north"})",
                           {{"Content-Type", "application/json"}}).status,
              422)
        << id;
    EXPECT_EQ(server->call(verb::post, std::string("/v1/requests/") + id + "/cancel", kAdminToken, R"({"reason":"x"})",
                           {{"Content-Type", "application/json"}}).status,
              404)
        << id;
  }
  // A visible-ASCII correlation id is kept as sent.
  const Reply ok = open({{"X-Correlation-Id", "call-centre/2026-11-24#17"}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  const std::string id = field(ok.body, "id");
  const Reply events = server->call(verb::get, "/v1/requests/" + id + "/events", kAuditorToken, "",
                                    {{"X-Min-Position", ok.header("X-Position")}});
  EXPECT_NE(events.body.find(R"("correlationid":"call-centre/2026-11-24#17")"), std::string::npos) << events.body;

  EXPECT_EQ(server->call(verb::get, "/readyz", "").status, 200) << "the service is still well";
  EXPECT_EQ(server->stop(), 0);
  expect_log_sound("after the attempts");
}

TEST_P(PoisonTest, AnUndecodableRecordStopsTheProjectionsNotTheService) {
  ASSERT_EQ(put_customer("C-1").status, 201);
  const Reply opened = open();
  ASSERT_EQ(opened.status, 201);
  const std::string id = field(opened.body, "id");
  // In the read models before the stop (a stop does not wait for them):
  // after the restart they stop at the poison record, which may come first.
  ASSERT_EQ(server->call(verb::get, "/v1/requests/" + id, kAdminToken, "",
                         {{"X-Min-Position", opened.header("X-Position")}}).status, 200);
  EXPECT_EQ(server->stop(), 0);
  server.reset();

  inject("R-poison", "{\"specversion\":\"1.0\",\"id\":\"abc\xff\xfe\"}");
  ServerOptions no_wait;
  no_wait.wait_ready = false;
  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka(), no_wait);

  // Not ready, and /readyz names the record and what to do about it.
  Reply ready;
  for (int i = 0; i < 100; ++i) {
    ready = server->call(verb::get, "/readyz", "");
    if (ready.body.find("does not decode") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(ready.status, 503);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(ready.body, m, std::regex(R"(aftercare\.requests/\d+@\d+)"))) << ready.body;
  const std::string record = m.str();
  EXPECT_NE(ready.body.find("aftercare quarantine " + record), std::string::npos) << ready.body;

  // Reads go on from the read models as they were; commands are refused.
  EXPECT_EQ(server->call(verb::get, "/v1/requests/" + id, kAdminToken).status, 200);
  EXPECT_EQ(put_customer("C-2").status, 503);
  EXPECT_EQ(open().status, 503);
  // A read that waits for a position the projections will not reach gets 504 in 5 s.
  const std::string beyond = "r" + record.substr(record.find('/') + 1, record.find('@') - record.find('/') - 1) +
                             ":" + std::to_string(std::stoll(record.substr(record.find('@') + 1)) + 1);
  const auto asked = SteadyClock::now();
  EXPECT_EQ(server->call(verb::get, "/v1/requests/" + id, kAdminToken, "", {{"X-Min-Position", beyond}}).status, 504);
  EXPECT_LT(SteadyClock::now() - asked, std::chrono::seconds(8));
  EXPECT_EQ(server->stop(), 0);
  server.reset();

  // The operator's way forward: look, set the record aside, restart.
  std::string out;
  auto args = log_args(tmp.sub("data"), broker.get());
  std::vector<std::string> show{"quarantine", "--show", record};
  show.insert(show.end(), args.begin(), args.end());
  EXPECT_EQ(run_aftercare(show, &out), 0) << out;
  EXPECT_NE(out.find("\\xff\\xfe"), std::string::npos) << out;
  std::vector<std::string> add{"quarantine", record, "--reason", "written by a foreign producer"};
  add.insert(add.end(), args.begin(), args.end());
  ASSERT_EQ(run_aftercare(add, &out), 0) << out;
  const std::string customer_record = "aftercare.master/" + std::to_string(partition_for_key("C-1", 4)) + "@0";
  std::vector<std::string> decodable{"quarantine", customer_record, "--reason", "x"};
  decodable.insert(decodable.end(), args.begin(), args.end());
  EXPECT_NE(run_aftercare(decodable, &out), 0) << "a record that decodes is not set aside: " << out;
  EXPECT_NE(out.find("decodes; only records that do not decode"), std::string::npos) << out;

  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
  EXPECT_EQ(put_customer("C-2").status, 201) << "commands are taken again";
  const Reply again = open();
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(server->call(verb::get, "/v1/requests/" + field(again.body, "id"), kAdminToken, "",
                         {{"X-Min-Position", again.header("X-Position")}}).status,
            200);
  EXPECT_EQ(server->stop(), 0);
  expect_log_sound("with the record quarantined");
  std::vector<std::string> chains{"audit", "--verify-chains"};
  chains.insert(chains.end(), args.begin(), args.end());
  run_aftercare(chains, &out);
  EXPECT_NE(out.find("skipped 1 quarantined record"), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Logs, PoisonTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
