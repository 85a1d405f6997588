// The crash loop: 64 clients open requests, each with its own
// Idempotency-Key, while the server is killed with SIGKILL at random
// moments and restarted. The oracle is what the clients were told:
//  - every acknowledged request is there after every restart;
//  - a retried key returns the id it was acknowledged with;
//  - exactly one request exists per key;
//  - `replay --verify` is clean after every kill.
// `make test` kills 3 times; `make soak` sets AFTERCARE_SOAK_KILLS (20+).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using Clock = std::chrono::steady_clock;

int kills_wanted() {
  const char* env = std::getenv("AFTERCARE_SOAK_KILLS");
  return env ? std::max(1, std::atoi(env)) : 3;
}

class CrashLoopTest : public ::testing::TestWithParam<LogMode> {
 protected:
  TempDir tmp;
  // The dev broker keeps about 5 MiB per partition and drops older records
  // (docs/kafka.md); `replay --verify` from offset 0 needs all of them. So
  // the Kafka variant uses 8 partitions and paces its clients, staying well
  // inside that even with 20 kills.
  std::unique_ptr<DevBroker> broker =
      GetParam() == LogMode::kafka ? std::make_unique<DevBroker>(/*partitions=*/8) : nullptr;
  const std::chrono::milliseconds pace{GetParam() == LogMode::kafka ? 100 : 0};
  std::unique_ptr<ServerProcess> server;
  std::atomic<uint16_t> port{0};

  void start() {
    server = std::make_unique<ServerProcess>(tmp.sub("data"), broker ? broker->bootstrap() : "");
    port = server->port();
  }
  // One attempt; status 0 when the server was not there to answer.
  static Reply attempt(uint16_t p, http::verb method, const std::string& target, const std::string& body,
                       const std::string& key) {
    try {
      HttpClient c(p);
      std::vector<std::pair<std::string, std::string>> h{{"Authorization", std::string("Bearer ") + kAdminToken}};
      if (!body.empty()) h.emplace_back("Content-Type", "application/json");
      if (!key.empty()) h.emplace_back("Idempotency-Key", key);
      return c.send(method, target, body, h);
    } catch (const std::exception&) {
      return Reply{};
    }
  }
  // Every request id of customer C-1, from the list index (the server is
  // ready, so it has applied the whole log).
  std::set<std::string> listed_ids() {
    std::set<std::string> listed;
    std::string cursor;
    do {
      Reply page = server->call(http::verb::get, "/v1/requests?customer_id=C-1&limit=500" +
                                                     (cursor.empty() ? "" : "&cursor=" + cursor),
                                kAdminToken);
      EXPECT_EQ(page.status, 200) << page.body;
      if (page.status != 200) break;
      for (size_t at = page.body.find("\"id\":\""); at != std::string::npos;
           at = page.body.find("\"id\":\"", at + 1)) {
        const size_t end = page.body.find('"', at + 6);
        EXPECT_TRUE(listed.insert(page.body.substr(at + 6, end - at - 6)).second) << "listed twice";
      }
      cursor = field(page.body, "next_cursor");
      if (cursor == "null") cursor.clear();
    } while (!cursor.empty());
    return listed;
  }
  std::vector<std::string> replay_verify_args() {
    std::vector<std::string> args{"replay", "--verify"};
    for (auto& a : log_args(tmp.sub("data"), broker.get())) args.push_back(a);
    return args;
  }
};

TEST_P(CrashLoopTest, NothingAcknowledgedIsLostAndNoKeyIsDoubled) {
  start();
  ASSERT_EQ(server->call(http::verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"W","region":"north"})").status, 201);

  std::mutex mu;
  std::map<std::string, std::string> acknowledged;  // key -> id, from the first 201
  std::vector<std::string> violations;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> retries{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 64; ++t) {
    clients.emplace_back([&, t] {
      for (int n = 0; !stop; ++n) {
        const std::string key = "soak-" + std::to_string(t) + "-" + std::to_string(n);
        // Retry this key until it is acknowledged, as a real client would.
        for (int tries = 0;; ++tries) {
          Reply r = attempt(port, http::verb::post, "/v1/requests",
                            R"({"customer_id":"C-1","channel":"web","type":"repair"})", key);
          if (r.status == 200 || r.status == 201) {
            const std::string id = field(r.body, "id");
            std::lock_guard lock(mu);
            auto [it, first] = acknowledged.emplace(key, id);
            if (!first && it->second != id) violations.push_back(key + ": " + it->second + " then " + id);
            break;
          }
          if (r.status != 0 && r.status != 503) {
            std::lock_guard lock(mu);
            violations.push_back(key + ": status " + std::to_string(r.status) + " " + r.body);
            break;
          }
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (pace.count() > 0) std::this_thread::sleep_for(pace);
        // Now and then, retry an acknowledged key: it must return the same id.
        if (n % 5 == 4) {
          Reply again = attempt(port, http::verb::post, "/v1/requests",
                                R"({"customer_id":"C-1","channel":"web","type":"repair"})", key);
          if (again.status == 200 || again.status == 201) {
            std::lock_guard lock(mu);
            if (acknowledged[key] != field(again.body, "id")) violations.push_back(key + ": retry returned another id");
          }
        }
      }
    });
  }

  std::mt19937 rng(std::random_device{}());
  const int kills = kills_wanted();
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 2500)(rng)));
    std::map<std::string, std::string> before;
    {
      std::lock_guard lock(mu);
      before = acknowledged;
    }
    server->kill9();
    port = 0;
    std::string out;
    EXPECT_EQ(run_aftercare(replay_verify_args(), &out), 0) << "after kill " << k + 1 << ": " << out;
    start();
    // Every request acknowledged before the kill is there after the restart.
    const std::set<std::string> listed = listed_ids();
    size_t missing = 0;
    for (const auto& [key, id] : before) missing += listed.count(id) == 0;
    EXPECT_EQ(missing, 0u) << "acknowledged requests missing after kill " << k + 1;
  }
  stop = true;
  for (auto& c : clients) c.join();
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(violations.empty()) << violations.size() << " violations, first: " << violations.front();
  }

  // Exactly one request per key: after a clean restart (so the read models
  // have everything), the customer's requests are exactly the acknowledged ids.
  std::set<std::string> ids;
  for (const auto& [key, id] : acknowledged) ids.insert(id);
  ASSERT_EQ(ids.size(), acknowledged.size()) << "two keys share an id";
  EXPECT_EQ(server->stop(), 0);
  start();
  EXPECT_EQ(listed_ids(), ids);
  std::cout << "  " << kills << " kills, " << acknowledged.size() << " requests acknowledged, "
            << retries.load() << " retries\n";
  EXPECT_EQ(server->stop(), 0);
  std::string out;
  EXPECT_EQ(run_aftercare(replay_verify_args(), &out), 0) << out;
}

INSTANTIATE_TEST_SUITE_P(Logs, CrashLoopTest, ::testing::Values(LogMode::embedded, LogMode::kafka),
                         log_mode_name);

}  // namespace
}  // namespace aftercare
