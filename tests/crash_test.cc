// Crash tests: a child process is killed with SIGKILL in the middle of its
// work; on reopen, nothing acknowledged is missing, no batch is torn, and
// projections resume exactly where they committed.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "eventstore/embedded_log.h"
#include "projections/runner.h"
#include "tests/counting_projection.h"
#include "tests/test_util.h"

namespace aftercare {
namespace {

using testing::Child;
using testing::TempDir;

// batch id -> the item numbers found in the log
std::map<std::string, std::set<int>> batches_in_log(const std::string& dir) {
  auto log = EmbeddedLog::open({.dir = dir, .partitions = 4});
  EXPECT_TRUE(log.is_ok());
  std::map<std::string, std::set<int>> found;
  for (Topic t : kAllTopics) {
    for (int32_t p = 0; p < (*log)->partition_count(); ++p) {
      std::vector<Record> records;
      EXPECT_TRUE((*log)->read({t, p}, 0, SIZE_MAX, records).is_ok());
      for (size_t i = 0; i < records.size(); ++i) {
        EXPECT_EQ(records[i].offset, static_cast<int64_t>(i)) << "gap in the log";
        const std::string& v = records[i].value;  // "batch <id> <n>"
        const auto sp = v.rfind(' ');
        found[v.substr(6, sp - 6)].insert(std::stoi(v.substr(sp + 1)));
      }
    }
  }
  return found;
}

TEST(CrashTest, AcknowledgedAppendsSurviveKill9AndNoBatchIsTorn) {
  TempDir tmp;
  std::mt19937 rng(std::random_device{}());
  std::set<std::string> acked;
  for (int round = 0; round < 3; ++round) {
    Child child({AFTERCARE_TEST_HELPER, "append", tmp.path(), "64"});
    const int kill_after = std::uniform_int_distribution<int>(200, 1500)(rng);
    std::string line;
    int seen = 0;
    while (seen < kill_after && child.read_line(line)) {
      if (line.starts_with("ack ")) acked.insert(line.substr(4)), ++seen;
    }
    ASSERT_EQ(seen, kill_after) << "the child stopped acknowledging";
    child.kill9();
    // Lines written before the kill are still in the pipe; they were acknowledged too.
    while (child.read_line(line, 1000)) {
      if (line.starts_with("ack ")) acked.insert(line.substr(4));
    }
    EXPECT_EQ(child.wait(), 128 + SIGKILL);

    const auto found = batches_in_log(tmp.path());
    for (const auto& id : acked) ASSERT_TRUE(found.count(id)) << "acknowledged batch " << id << " lost";
    for (const auto& [id, items] : found)
      ASSERT_EQ(items, (std::set<int>{0, 1, 2})) << "batch " << id << " is torn";
  }
}

TEST(CrashTest, ProjectionAppliesEachEventExactlyOnceAcrossKill9) {
  TempDir tmp;
  const std::string log_dir = tmp.sub("log"), view_dir = tmp.sub("views");
  constexpr int kEvents = 2000;
  {
    auto log = EmbeddedLog::open({.dir = log_dir, .partitions = 4});
    ASSERT_TRUE(log.is_ok());
    std::vector<AppendItem> items;
    for (int i = 0; i < kEvents; ++i) {
      const std::string id = "R-" + std::to_string(i % 50);
      const Envelope e = testing::make_envelope("request", id, i / 50 + 1, std::string(kGenesisHash));
      items.push_back({i % 3 ? Topic::requests : Topic::visits, id, encode(e)});
    }
    ASSERT_TRUE(append_and_wait(**log, std::move(items)).is_ok());
  }
  for (int kill_after : {7, 23}) {
    Child child({AFTERCARE_TEST_HELPER, "project", log_dir, view_dir});
    std::string line;
    int batches = 0;
    while (batches < kill_after && child.read_line(line)) batches += line.starts_with("batch ");
    ASSERT_EQ(batches, kill_after);
    child.kill9();
    child.wait();
  }
  {
    Child child({AFTERCARE_TEST_HELPER, "project", log_dir, view_dir});
    std::string line;
    while (child.read_line(line) && line != "done") {
    }
    EXPECT_EQ(line, "done");
    EXPECT_EQ(child.wait(), 0);
  }
  auto store = ReadStore::open(view_dir, {"counting"});
  ASSERT_TRUE(store.is_ok());
  EXPECT_EQ(decode_counter((*store)->get("counting", "total").value().value_or("")), kEvents);
  EXPECT_TRUE((*store)->scan("counting", "dup/", "", 10).value().empty()) << "an event was applied twice";
  EXPECT_EQ((*store)->scan("counting", "seen/", "", SIZE_MAX).value().size(), static_cast<size_t>(kEvents));
}

}  // namespace
}  // namespace aftercare
