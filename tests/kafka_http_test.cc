// `aftercare serve --kafka` end to end: a second, empty instance rebuilds
// everything from Kafka alone; broker faults give 503s, never lost or
// duplicated commands, and the service recovers by itself.
#include <gtest/gtest.h>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;
using Clock = std::chrono::steady_clock;

class KafkaHttpTest : public ::testing::Test {
 protected:
  TempDir tmp;
  DevBroker broker;
  std::unique_ptr<ServerProcess> server = start("a");

  std::unique_ptr<ServerProcess> start(const std::string& name) {
    return std::make_unique<ServerProcess>(tmp.sub(name), broker.bootstrap());
  }
  void SetUp() override {
    ASSERT_EQ(server->call(verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"Wang","region":"north"})").status, 201);
    ASSERT_EQ(server->call(verb::put, "/v1/engineers/E-7", kAdminToken, R"({"name":"Li","region":"north","active":true})").status, 201);
  }
  Reply open(ServerProcess& s, const std::string& key) {
    Reply r = s.call(verb::post, "/v1/requests", kAgentToken,
                     R"({"customer_id":"C-1","channel":"web","type":"repair","problem_code":"E21"})",
                     {{"Idempotency-Key", key}});
    remember(r);
    return r;
  }
  void remember(const Reply& r) {
    if (r.status < 300 && !r.header("X-Position").empty())
      position_ = merge_positions(position_, r.header("X-Position"));
  }
  Reply get(ServerProcess& s, const std::string& path) {
    return s.call(verb::get, path, kManagerToken, "", {{"X-Min-Position", position_}});
  }
  // Retries like a client would until the command is acknowledged.
  Reply open_until_acknowledged(const std::string& key, std::chrono::seconds within) {
    Reply r;
    const auto deadline = Clock::now() + within;
    do {
      r = open(*server, key);
      if (r.status < 300) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (Clock::now() < deadline);
    return r;
  }
  void expect_503_soon(const std::string& key) {
    const auto start = Clock::now();
    Reply r = open(*server, key);
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(15)) << "a bounded wait, well under 30 s";
  }
  // Exactly the given requests exist, once each, and the log verifies.
  void expect_exactly(const std::vector<std::string>& ids) {
    Reply list = get(*server, "/v1/requests?customer_id=C-1&limit=100");
    ASSERT_EQ(list.status, 200) << list.body;
    for (const auto& id : ids) {
      const std::string item = "\"id\":\"" + id + "\"";
      EXPECT_NE(list.body.find(item), std::string::npos) << id << " is missing";
      EXPECT_EQ(list.body.find(item), list.body.rfind(item)) << id << " is listed twice";
    }
    size_t count = 0;
    for (size_t at = list.body.find("\"status\":"); at != std::string::npos; at = list.body.find("\"status\":", at + 1)) ++count;
    EXPECT_EQ(count, ids.size()) << list.body;
  }
  void expect_log_verifies() {
    std::string out;
    EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--kafka", broker.bootstrap(), "--data", tmp.sub("a")}, &out), 0) << out;
    EXPECT_EQ(server->stop(), 0);
    EXPECT_EQ(run_aftercare({"replay", "--verify", "--kafka", broker.bootstrap(), "--data", tmp.sub("a")}, &out), 0) << out;
  }
  std::string position_;
};

TEST_F(KafkaHttpTest, AnEmptySecondInstanceAnswersTheSameQueries) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(field(open(*server, "k" + std::to_string(i)).body, "id"));
  Reply assigned = server->call(verb::post, "/v1/requests/" + ids[0] + "/assign", kManagerToken, R"({"engineer_id":"E-7"})");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  remember(assigned);
  auto second = start("b");  // an empty data directory: everything comes from Kafka
  const std::vector<std::string> queries = {
      "/v1/requests/" + ids[0],
      "/v1/requests/" + ids[0] + "/events",
      "/v1/requests?customer_id=C-1",
      "/v1/requests?status=awaiting_assignment&limit=2",
      "/v1/customers/C-1",
      "/v1/customers/C-1/history",
      "/v1/engineers/E-7",
      "/v1/stats/problems?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
  };
  for (const auto& q : queries) {
    Reply first = get(*server, q), again = get(*second, q);
    EXPECT_EQ(first.status, 200) << q << ": " << first.body;
    EXPECT_EQ(again.status, first.status) << q;
    EXPECT_EQ(again.body, first.body) << q;
  }
  // A retried command on the second instance finds the original in the log.
  Reply retried = open(*second, "k3");
  EXPECT_EQ(retried.status, 201) << retried.body;
  EXPECT_EQ(field(retried.body, "id"), ids[3]);
}

TEST_F(KafkaHttpTest, BrokerDownGives503ReadsKeepWorkingAndItRecovers) {
  const std::string before = field(open(*server, "before").body, "id");
  ASSERT_EQ(get(*server, "/v1/requests/" + before).status, 200);  // projected before the fault
  ASSERT_TRUE(broker.control("down 1"));
  expect_503_soon("during");
  Reply view = server->call(verb::get, "/v1/requests/" + before, kManagerToken);
  EXPECT_EQ(view.status, 200) << "reads are served from the read models: " << view.body;
  EXPECT_EQ(server->call(verb::get, "/readyz", "").status, 503);
  ASSERT_TRUE(broker.control("up 1"));
  Reply during = open_until_acknowledged("during", std::chrono::seconds(30));
  ASSERT_EQ(during.status, 201) << during.body;
  Reply again = open(*server, "during");
  EXPECT_EQ(field(again.body, "id"), field(during.body, "id")) << "the retry returns the acknowledged request";
  expect_exactly({before, field(during.body, "id")});
  EXPECT_EQ(server->call(verb::get, "/readyz", "").status, 200);
  expect_log_verifies();
}

TEST_F(KafkaHttpTest, StoppedBrokerProcessGives503AndNothingIsLostOrDoubled) {
  const std::string before = field(open(*server, "before").body, "id");
  ASSERT_EQ(get(*server, "/v1/requests/" + before).status, 200);  // projected before the fault
  broker.pause();  // SIGSTOP: connections stay open, nothing answers
  expect_503_soon("during");
  EXPECT_EQ(server->call(verb::get, "/v1/requests/" + before, kManagerToken).status, 200);
  broker.resume();
  // The broker may still write what it had received before it stopped:
  // the outcome of that command was unknown, and the retry settles it.
  Reply during = open_until_acknowledged("during", std::chrono::seconds(30));
  ASSERT_LT(during.status, 300) << during.body;
  Reply after = open_until_acknowledged("after", std::chrono::seconds(30));
  ASSERT_EQ(after.status, 201) << after.body;
  expect_exactly({before, field(during.body, "id"), field(after.body, "id")});
  expect_log_verifies();
}

// A slow broker: the client gives up on a record that the broker then
// writes. The answer says the outcome is unknown, and a retry with the key
// finds the event that landed: one request, not two.
TEST_F(KafkaHttpTest, ASlowBrokerAnswersOutcomeUnknownAndAKeyedRetrySettlesIt) {
  const std::string before = field(open(*server, "before").body, "id");
  ASSERT_TRUE(broker.control("rtt 1 6000"));
  const auto start = Clock::now();
  Reply slow = open(*server, "slow");
  EXPECT_EQ(slow.status, 503) << slow.body;
  EXPECT_NE(slow.body.find(R"("type":"https://aftercare.dev/problems/outcome-unknown")"), std::string::npos) << slow.body;
  EXPECT_NE(slow.body.find("retry with the same Idempotency-Key"), std::string::npos) << slow.body;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
  ASSERT_TRUE(broker.control("rtt 1 0"));
  Reply settled = open_until_acknowledged("slow", std::chrono::seconds(30));
  ASSERT_LT(settled.status, 300) << settled.body;
  expect_exactly({before, field(settled.body, "id")});
  expect_log_verifies();
}

TEST_F(KafkaHttpTest, InjectedProduceErrorsAreRetriedOnceEach) {
  ASSERT_TRUE(broker.control("errors produce 4 NOT_LEADER_FOR_PARTITION"));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    Reply r = open_until_acknowledged("k" + std::to_string(i), std::chrono::seconds(30));
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(field(r.body, "id"));
  }
  expect_exactly(ids);
  expect_log_verifies();
}

}  // namespace
}  // namespace aftercare
