#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "eventstore/embedded_log.h"
#include "eventstore/wal_check.h"
#include "tests/log_contract.h"
#include "tests/test_util.h"

namespace aftercare {
namespace {

using testing::TempDir;

std::unique_ptr<EmbeddedLog> open_log(const std::string& dir, int32_t partitions = 4) {
  auto log = EmbeddedLog::open({.dir = dir, .partitions = partitions});
  EXPECT_TRUE(log.is_ok()) << log.status().to_string();
  return std::move(log).value();
}

TEST(EmbeddedLogTest, AssignsGaplessOffsetsPerPartitionInAppendOrder) {
  TempDir tmp;
  auto log = open_log(tmp.path());
  testing::expect_gapless_offsets_and_reads(*log);
}

TEST(EmbeddedLogTest, KeysOfOneRequestShareAPartitionNumberAcrossTopics) {
  TempDir tmp;
  auto log = open_log(tmp.path());
  auto ids = append_and_wait(*log, {{Topic::requests, "R-9", "a"},
                                    {Topic::dispatches, "R-9", "b"},
                                    {Topic::visits, "R-9", "c"}});
  ASSERT_TRUE(ids.is_ok());
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_EQ(ids->at(0).topic, Topic::requests);
  EXPECT_EQ(ids->at(1).topic, Topic::dispatches);
  EXPECT_EQ(ids->at(0).partition, ids->at(1).partition);
  EXPECT_EQ(ids->at(1).partition, ids->at(2).partition);
}

TEST(EmbeddedLogTest, SurvivesReopenWithSameOffsets) {
  TempDir tmp;
  {
    auto log = open_log(tmp.path());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(append_and_wait(*log, {{Topic::master, "C-1", "x"}}));
  }
  auto log = open_log(tmp.path());
  const TopicPartition tp{Topic::master, log->partition_of("C-1")};
  EXPECT_EQ(*log->end_offset(tp), 3);
  auto ids = append_and_wait(*log, {{Topic::master, "C-1", "y"}});
  EXPECT_EQ(ids->at(0).offset, 3);
}

TEST(EmbeddedLogTest, KeepsThePartitionCountItWasCreatedWith) {
  TempDir tmp;
  { open_log(tmp.path(), 6); }
  // Another count is refused, not silently ignored: it would move keys.
  auto other = EmbeddedLog::open({.dir = tmp.path(), .partitions = 3});
  ASSERT_FALSE(other.is_ok());
  EXPECT_NE(other.status().message().find("has 6 partitions; --partitions 3 applies only to a new log"), std::string::npos)
      << other.status().message();
  auto log = std::move(EmbeddedLog::open({.dir = tmp.path()})).value();  // no count: the log's own
  EXPECT_EQ(log->partition_count(), 6);
}

TEST(EmbeddedLogTest, ConcurrentAppendersGetDistinctOffsetsAndShareGroupCommits) {
  TempDir tmp;
  auto log = open_log(tmp.path());
  constexpr int kThreads = 16, kPerThread = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::tuple<int, int, int64_t>> seen;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "K-" + std::to_string(t * 7 + i % 5);
        auto ids = append_and_wait(*log, {{Topic::requests, key, "x"}, {Topic::visits, key, "y"}});
        if (!ids) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mu);
        for (auto& id : *ids)
          seen.insert({static_cast<int>(id.topic), id.partition, id.offset});
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread * 2));
  int64_t total = 0;
  for (int32_t p = 0; p < log->partition_count(); ++p)
    total += *log->end_offset({Topic::requests, p});
  EXPECT_EQ(total, kThreads * kPerThread);
}

TEST(EmbeddedLogTest, ReaderTailsNewAppendsWithoutPolling) {
  TempDir tmp;
  auto log = open_log(tmp.path(), 2);
  auto reader = log->open_reader();
  for (int32_t p = 0; p < 2; ++p) reader->assign({Topic::requests, p}, 0);
  std::vector<Record> out;
  // Nothing there yet: the poll waits and returns empty.
  ASSERT_TRUE(reader->poll(100, std::chrono::milliseconds(20), out).is_ok());
  EXPECT_TRUE(out.empty());

  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(append_and_wait(*log, {{Topic::requests, "R-1", "late"}}));
  });
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(reader->poll(100, std::chrono::seconds(10), out).is_ok());
  const auto waited = std::chrono::steady_clock::now() - start;
  writer.join();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "late");
  EXPECT_LT(waited, std::chrono::seconds(5));  // woken by the append, not by the timeout

  out.clear();
  ASSERT_TRUE(reader->poll(100, std::chrono::milliseconds(10), out).is_ok());
  EXPECT_TRUE(out.empty());  // the reader moved past what it returned
}

TEST(EmbeddedLogTest, ReadOfUnknownPartitionIsAnError) {
  TempDir tmp;
  auto log = open_log(tmp.path(), 2);
  std::vector<Record> out;
  EXPECT_EQ(log->read({Topic::requests, 2}, 0, 1, out).code(), Errc::invalid_argument);
  EXPECT_FALSE(log->end_offset({Topic::requests, -1}).is_ok());
}

TEST(EmbeddedLogTest, AppendAfterCloseIsUnavailable) {
  TempDir tmp;
  auto log = open_log(tmp.path(), 2);
  log->close();
  auto r = append_and_wait(*log, {{Topic::requests, "R-1", "x"}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), Errc::unavailable);
  EXPECT_EQ(log->health().code(), Errc::unavailable);
}

// The write-ahead log check reads RocksDB's framing with CRC-32C.
TEST(WalCheckTest, Crc32cIsCastagnoli) {
  EXPECT_EQ(crc32c(0, "123456789", 9), 0xe3069283u);
  EXPECT_EQ(crc32c(0, "", 0), 0u);
}

TEST(WalCheckTest, ACleanLogAndAMissingOneHaveNoDamage) {
  testing::TempDir tmp;
  auto none = find_wal_damage(tmp.sub("nowhere"));
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());
  {
    auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 2})).value();
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(append_and_wait(*log, {{Topic::master, "C-" + std::to_string(i), std::string(300, 'x')}}).is_ok());
    log->close();
  }
  auto clean = find_wal_damage(tmp.sub("log"));
  ASSERT_TRUE(clean.is_ok());
  EXPECT_FALSE(clean->has_value());
}

}  // namespace
}  // namespace aftercare
