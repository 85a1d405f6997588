// Idempotency-Key over HTTP, on both logs: one key sent by two clients at
// once for two different requests is accepted once; a refused command is
// answered the same way when retried, also after kill -9; replay still
// verifies afterwards (the command index has one source per key).
#include <gtest/gtest.h>

#include <future>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

class IdempotencyTest : public ServerOnEitherLog {
 protected:
  Reply send(verb method, const std::string& path, const std::string& body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return server->call(method, path, kAdminToken, body, headers);
  }
  void expect_replay_verifies() {
    std::string out;
    std::vector<std::string> args{"replay", "--verify"};
    for (const auto& a : log_args(tmp.sub("data"), broker.get())) args.push_back(a);
    EXPECT_EQ(run_aftercare(args, &out), 0) << out;
  }
};

TEST_P(IdempotencyTest, OneKeyFromTwoClientsAtOnceIsAcceptedOnce) {
  ASSERT_EQ(send(verb::put, "/v1/customers/C-1", R"({"name":"A","region":"north"})").status, 201);
  for (int round = 0; round < 20; ++round) {
    const std::string key = "shared-" + std::to_string(round);
    std::promise<void> go;
    auto start = go.get_future().share();
    auto put = [&](const std::string& id) {
      return std::async(std::launch::async, [&, id] {
        HttpClient client(server->port());
        start.wait();
        return client.send(verb::put, "/v1/customers/" + id, R"({"name":"B","region":"north"})",
                           {{"Authorization", std::string("Bearer ") + kAdminToken},
                            {"Content-Type", "application/json"}, {"Idempotency-Key", key}})
            .status;
      });
    };
    auto a = put("A-" + std::to_string(round));
    auto b = put("B-" + std::to_string(round));
    go.set_value();
    const int sa = a.get(), sb = b.get();
    EXPECT_TRUE((sa == 201 && sb == 422) || (sa == 422 && sb == 201)) << "round " << round << ": " << sa << " " << sb;
  }
  EXPECT_EQ(server->stop(), 0);
  expect_replay_verifies();
}

TEST_P(IdempotencyTest, ARefusalIsTheAnswerToEveryRetryAlsoAfterACrash) {
  ASSERT_EQ(send(verb::put, "/v1/customers/C-1", R"({"name":"A","region":"north"})").status, 201);
  ASSERT_EQ(send(verb::put, "/v1/engineers/E-7", R"({"name":"Li","region":"north","active":true})").status, 201);
  const Reply opened = send(verb::post, "/v1/requests", R"({"customer_id":"C-1","channel":"phone","type":"repair"})");
  const std::string id = field(opened.body, "id");
  ASSERT_EQ(send(verb::post, "/v1/requests/" + id + "/assign", R"({"engineer_id":"E-7"})").status, 200);

  // Assigning an assigned request: 409. Then the request returns to assignment.
  const std::string assign = "/v1/requests/" + id + "/assign";
  const Reply refused = send(verb::post, assign, R"({"engineer_id":"E-7"})", {{"Idempotency-Key", "assign-1"}});
  ASSERT_EQ(refused.status, 409) << refused.body;
  const Reply stale = send(verb::put, "/v1/customers/C-1", R"({"name":"B","region":"north"})",
                           {{"Idempotency-Key", "put-1"}, {"If-Match", "\"7\""}});
  ASSERT_EQ(stale.status, 412) << stale.body;
  ASSERT_EQ(send(verb::post, "/v1/requests/" + id + "/report", R"({"outcome":"unresolved"})").status, 200);

  auto expect_same = [&](const char* when) {
    const Reply again = send(verb::post, assign, R"({"engineer_id":"E-7"})", {{"Idempotency-Key", "assign-1"}});
    EXPECT_EQ(again.status, refused.status) << when;
    EXPECT_EQ(again.body, refused.body) << when;
    const Reply stale_again = send(verb::put, "/v1/customers/C-1", R"({"name":"B","region":"north"})",
                                   {{"Idempotency-Key", "put-1"}, {"If-Match", "\"7\""}});
    EXPECT_EQ(stale_again.status, 412) << when;
    EXPECT_EQ(stale_again.body, stale.body) << when;
    // The key with another body is a reuse.
    EXPECT_EQ(send(verb::post, assign, R"({"engineer_id":"E-8"})", {{"Idempotency-Key", "assign-1"}}).status, 422) << when;
  };
  expect_same("retried at once, though the request could be assigned now");
  server->kill9();
  server = std::make_unique<ServerProcess>(tmp.sub("data"), kafka());
  expect_same("retried after kill -9 and a restart");
  // Without the key, the same command is decided anew.
  EXPECT_EQ(send(verb::post, assign, R"({"engineer_id":"E-7"})").status, 200);
  EXPECT_EQ(server->stop(), 0);
  expect_replay_verifies();
}

INSTANTIATE_TEST_SUITE_P(Logs, IdempotencyTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
