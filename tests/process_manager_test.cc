// Process managers (commands/process_manager.h): a follow-up happens exactly
// once although the manager is killed with SIGKILL between triggers and
// follow-ups and between follow-ups and its checkpoint, on both logs. The
// write side runs in tests/test_helper ("pm"), which registers customers
// (the triggers) while its process manager opens a request for each — or,
// for customers named "refuse…", issues a follow-up the domain refuses.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "domain/json.h"
#include "eventstore/embedded_log.h"
#include "eventstore/envelope.h"
#include "eventstore/kafka_log.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;

class ProcessManagerTest : public ::testing::TestWithParam<LogMode> {
 protected:
  TempDir tmp;
  std::unique_ptr<DevBroker> broker = GetParam() == LogMode::kafka ? std::make_unique<DevBroker>() : nullptr;
  const std::string data = tmp.sub("data");

  std::vector<std::string> helper(bool produce) {
    std::vector<std::string> argv = {AFTERCARE_TEST_HELPER, "pm", data, produce ? "1" : "0"};
    if (broker) argv.push_back(broker->bootstrap());
    return argv;
  }
  std::unique_ptr<EventLog> open_log() {
    if (!broker) return std::move(EmbeddedLog::open({.dir = data + "/log", .partitions = 4})).value();
    KafkaLogOptions o;
    o.bootstrap = broker->bootstrap();
    return std::move(KafkaLog::open(o)).value();
  }
};

struct Tally {
  std::set<std::string> customers, refusing;       // registered; of them, named "refuse…"
  std::map<std::string, int> opened, refused;      // per customer: request opened, follow-up refused
  int other_refusals = 0;
};

Tally tally(EventLog& log) {
  Tally t;
  simdjson::dom::parser parser;
  for (Topic topic : {Topic::master, Topic::requests, Topic::commands}) {
    for (int32_t p = 0; p < log.partition_count(); ++p) {
      std::vector<Record> records;
      EXPECT_TRUE(log.read({topic, p}, 0, 1'000'000, records).is_ok());
      for (const Record& r : records) {
        auto env = decode(r.value, parser);
        EXPECT_TRUE(env.is_ok());
        if (!env) continue;
        const std::string& id = env->aggregate_id;
        if (env->type.starts_with("aftercare.customer.registered.v")) {
          t.customers.insert(id);
          if (string_member(env->data, "name").starts_with("refuse")) t.refusing.insert(id);
        } else if (env->type == "aftercare.request.opened.v1") {
          ++t.opened[id.substr(2)];  // R-<customer>
        } else if (env->type == "aftercare.command.refused.v1") {
          const std::string target = string_member(env->data, "target");
          if (target.starts_with("request/R-")) ++t.refused[target.substr(10)];
          else ++t.other_refusals;
        }
      }
    }
  }
  return t;
}

TEST_P(ProcessManagerTest, EachFollowUpHappensExactlyOnceAcrossKill9) {
  int replayed = 0, follows = 0;
  for (int round = 0; round < 5; ++round) {
    Child child(helper(true));
    std::string line;
    int seen = 0;
    const int kill_after = 8 + round * 5;
    while (seen < kill_after && child.read_line(line, 60000)) {
      if (line.starts_with("follow ")) ++seen, ++follows;
      if (line.ends_with(" replayed")) ++replayed;
    }
    ASSERT_EQ(seen, kill_after) << "round " << round << ": the helper stopped early (" << line << ")";
    child.kill9();
    child.wait();
  }
  {
    // No more triggers: the manager catches up with everything left and goes idle.
    Child child(helper(false));
    std::string line;
    bool idle = false;
    while (!idle && child.read_line(line, 60000)) {
      if (line.ends_with(" replayed")) ++replayed;
      idle = line == "idle";
    }
    ASSERT_TRUE(idle) << line;
    child.kill9();
    child.wait();
  }
  auto log = open_log();
  const Tally t = tally(*log);
  ASSERT_GT(t.customers.size(), 40u);
  ASSERT_FALSE(t.refusing.empty());
  for (const std::string& c : t.customers) {
    if (t.refusing.count(c)) {
      EXPECT_EQ(t.refused.count(c) ? t.refused.at(c) : 0, 1) << c << ": its refused follow-up is one event";
      EXPECT_FALSE(t.opened.count(c)) << c;
    } else {
      EXPECT_EQ(t.opened.count(c) ? t.opened.at(c) : 0, 1) << c << ": opened exactly once";
      EXPECT_FALSE(t.refused.count(c)) << c << ": a second issue would have been refused";
    }
  }
  EXPECT_EQ(t.opened.size() + t.refused.size(), t.customers.size()) << "no follow-up without a trigger";
  EXPECT_EQ(t.other_refusals, 0);
  // The kills landed between a follow-up and the checkpoint: those
  // follow-ups were issued again and answered as the first time.
  EXPECT_GT(replayed, 0) << "no kill fell between a follow-up and its checkpoint; the test proved less";
}

INSTANTIATE_TEST_SUITE_P(Logs, ProcessManagerTest, ::testing::Values(LogMode::embedded, LogMode::kafka), log_mode_name);

}  // namespace
}  // namespace aftercare
