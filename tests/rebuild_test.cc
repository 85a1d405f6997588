// Read models rebuilt one by one (projections/read_side.h): a read model
// whose version changed is rebuilt by a runner of its own when the service
// starts; the others keep their rows and checkpoints, commands are served
// meanwhile, the rebuilt one answers as before, and `replay --verify`
// agrees with every read model at its own checkpoints. Both logs.
#include <gtest/gtest.h>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

class RebuildTest : public ::testing::TestWithParam<LogMode> {
 protected:
  TempDir tmp;
  std::unique_ptr<DevBroker> broker = GetParam() == LogMode::kafka ? std::make_unique<DevBroker>() : nullptr;
  const std::string data = tmp.sub("data");
  std::string kafka() const { return broker ? broker->bootstrap() : ""; }

  // Retried while the write side folds the log at start (503, as any client would).
  static std::string open_request(ServerProcess& server) {
    Reply r;
    for (int i = 0; i < 100; ++i) {
      r = server.call(verb::post, "/v1/requests", kAdminToken,
                      R"({"customer_id":"C-1","channel":"phone","type":"repair","product_model":"WM-7","problem_code":"E21"})");
      if (r.status != 503 || r.body.find("the write side is") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(r.status, 201) << r.body;
    return r.header("X-Position");
  }
};

TEST_P(RebuildTest, OnlyTheChangedReadModelIsRebuiltAndCommandsGoOnMeanwhile) {
  std::string stats_before, position;
  {
    ServerProcess server(data, kafka());
    ASSERT_EQ(server.call(verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"A","region":"north"})").status, 201);
    for (int i = 0; i < 40; ++i) position = merge_positions(position, open_request(server));
    stats_before = server.call(verb::get, "/v1/stats/problems?product_model=WM-7", kAdminToken, "",
                               {{"X-Min-Position", position}}).body;
    EXPECT_NE(stats_before.find(R"("count":40)"), std::string::npos) << stats_before;
    EXPECT_EQ(server.stop(), 0);
  }
  // As a new version of the statistics read model would find the store.
  {
    Child helper({AFTERCARE_TEST_HELPER, "set-signature", data + "/views", "stats", "an older version"});
    std::string line;
    ASSERT_TRUE(helper.read_line(line, 30000));
    ASSERT_EQ(line, "set");
    ASSERT_EQ(helper.wait(), 0);
  }
  ServerOptions options;
  options.capture_stderr = true;
  options.wait_ready = false;
  ServerProcess server(data, kafka(), options);
  // A command at once: the write side does not wait for the rebuild.
  const std::string more = open_request(server);
  std::string out;
  for (int i = 0; i < 50 && server.call(verb::get, "/readyz", "").status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(server.call(verb::get, "/readyz", "").status, 200);
  out += server.drain_output();
  EXPECT_NE(out.find(R"("event":"serve.rebuilding","read_models":"stats")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("event":"projections.rebuild","projection":"stats")"), std::string::npos) << out;
  for (const char* kept : {"requests", "master", "events"})
    EXPECT_EQ(out.find(std::string(R"("event":"projections.rebuild","projection":")") + kept + "\""), std::string::npos)
        << kept << " was rebuilt although its version did not change";
  const Reply stats = server.call(verb::get, "/v1/stats/problems?product_model=WM-7", kAdminToken, "",
                                  {{"X-Min-Position", merge_positions(position, more)}});
  EXPECT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find(R"("count":41)"), std::string::npos) << stats.body;
  EXPECT_EQ(server.stop(), 0);
  auto args = log_args(data, broker.get());
  args.insert(args.begin(), {"replay", "--verify"});
  EXPECT_EQ(run_aftercare(args, &out), 0) << out;
}

INSTANTIATE_TEST_SUITE_P(Logs, RebuildTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
