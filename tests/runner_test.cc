// The projection runner, the write side's aggregate store and the command
// bus, in one process over a real embedded log and read store.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

#include "domain/master_data.h"
#include "base/clock.h"
#include "commands/state_store.h"
#include "commands/command_bus.h"
#include "commands/serializer.h"
#include "eventstore/embedded_log.h"
#include "projections/catalog.h"
#include "projections/runner.h"
#include "projections/view_row.h"
#include <rocksdb/db.h>
#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>
#include <fmt/format.h>
#include <rocksdb/write_batch.h>
#include "tests/counting_projection.h"
#include "tests/test_util.h"
#include "tests/write_side_fixture.h"

namespace aftercare {
namespace {

using testing::CountingProjection;
using testing::TempDir;

void append_events(EventLog& log, int n, const std::string& prefix = "R-") {
  std::vector<AppendItem> items;
  for (int i = 0; i < n; ++i) {
    const std::string id = prefix + std::to_string(i);
    items.push_back({Topic::requests, id,
                     encode(testing::make_envelope("request", id, 1, std::string(kGenesisHash)))});
  }
  ASSERT_TRUE(append_and_wait(log, std::move(items)).is_ok());
}

int64_t total(ReadStore& store) { return decode_counter(store.get("counting", "total").value().value_or("")); }

struct CatchUp {
  int64_t applied;  // events this catch-up applied
  int64_t total;    // events the read model has counted in all
};
// Opens the read store in `dir` and catches `projection` up with the log.
CatchUp catch_up(EventLog& log, const std::string& dir, CountingProjection& projection) {
  Upcasters none;
  auto store = std::move(ReadStore::open(dir, {"counting"})).value();
  ProjectionRunner runner(log, *store, {&projection}, none);
  EXPECT_TRUE(runner.catch_up().is_ok());
  return {runner.events_applied(), total(*store)};
}

TEST(RunnerTest, TailsTheLogAndReportsItsPosition) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 2})).value();
  auto store = std::move(ReadStore::open(tmp.sub("views"), {"counting"})).value();
  CountingProjection counting;
  Upcasters none;
  ProjectionRunner runner(*log, *store, {&counting}, none);
  ASSERT_TRUE(runner.start().is_ok());
  auto ids = append_and_wait(*log, {{Topic::requests, "R-1", encode(testing::make_envelope(
                                                                  "request", "R-1", 1, std::string(kGenesisHash)))}});
  ASSERT_TRUE(ids.is_ok());
  Position written;
  written.include(ids->at(0));
  EXPECT_TRUE(runner.wait_for(written, std::chrono::seconds(10)));
  EXPECT_EQ(total(*store), 1);
  EXPECT_EQ(runner.lag(), 0);

  std::promise<bool> fired;
  runner.when_applied(written, std::chrono::seconds(1), [&](bool ok) { fired.set_value(ok); });
  EXPECT_TRUE(fired.get_future().get()) << "already applied: answers at once";

  Position ahead;
  ahead.advance({Topic::requests, 0}, 1000);
  std::promise<bool> expired;
  runner.when_applied(ahead, std::chrono::milliseconds(50), [&](bool ok) { expired.set_value(ok); });
  EXPECT_FALSE(expired.get_future().get()) << "never reached: times out";
}

TEST(RunnerTest, ResumesFromItsCheckpointsAfterRestart) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 2})).value();
  append_events(*log, 40);
  CountingProjection counting;
  EXPECT_EQ(catch_up(*log, tmp.sub("views"), counting).total, 40);
  append_events(*log, 10, "S-");
  const CatchUp again = catch_up(*log, tmp.sub("views"), counting);
  EXPECT_EQ(again.applied, 10) << "only the new events are applied";
  EXPECT_EQ(again.total, 50);
}

TEST(RunnerTest, AChangedProjectionVersionRebuildsFromOffsetZero) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 2})).value();
  append_events(*log, 25);
  CountingProjection v1;
  EXPECT_EQ(catch_up(*log, tmp.sub("views"), v1).total, 25);
  CountingProjection v2;
  v2.version_ = 2;
  const CatchUp rebuilt = catch_up(*log, tmp.sub("views"), v2);
  EXPECT_EQ(rebuilt.applied, 25) << "everything applied again";
  EXPECT_EQ(rebuilt.total, 25) << "into an emptied read model, not on top of the old one";
}

// One read model of a new version is rebuilt by a runner of its own while
// the other goes on from its checkpoints (serve's split): nothing is applied
// twice or skipped, and afterwards one runner serves both again.
TEST(RunnerTest, AChangedVersionRebuildsThatReadModelOnlyWhileTheOtherGoesOn) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 2})).value();
  Upcasters none;
  append_events(*log, 25);
  auto store = std::move(ReadStore::open(tmp.sub("views"), {"a", "b"})).value();
  CountingProjection a1("a"), b("b");
  {
    ProjectionRunner both(*log, *store, {&a1, &b}, none);
    ASSERT_TRUE(both.catch_up().is_ok());
  }
  append_events(*log, 10, "S-");
  CountingProjection a2("a");
  a2.version_ = 2;
  EXPECT_EQ(ProjectionRunner::stale(*store, *log, {&a2, &b}), std::vector<std::string>{"a"});

  ProjectionRunner live(*log, *store, {&b}, none);
  ProjectionRunner rebuilding(*log, *store, {&a2}, none);
  ASSERT_TRUE(live.start().is_ok());
  ASSERT_TRUE(rebuilding.start().is_ok());
  Position end;
  for (const auto& tp : live.partitions()) end.advance(tp, log->end_offset(tp).value());
  ASSERT_TRUE(live.wait_for(end, std::chrono::seconds(10)));
  ASSERT_TRUE(rebuilding.wait_for(end, std::chrono::seconds(10)));
  EXPECT_EQ(live.events_applied(), 10) << "b went on from its checkpoints";
  EXPECT_EQ(rebuilding.events_applied(), 35) << "a was rebuilt from offset 0";
  live.stop();
  rebuilding.stop();
  auto counter = [&](const char* family, const std::string& key) {
    return decode_counter(store->get(family, key).value().value_or(""));
  };
  EXPECT_EQ(counter("a", "total"), 35);
  EXPECT_EQ(counter("b", "total"), 35);
  EXPECT_TRUE(store->scan("a", "dup/", "", 10).value().empty());
  EXPECT_TRUE(store->scan("b", "dup/", "", 10).value().empty());

  // Both current now: one runner, nothing applied again, new events once each.
  EXPECT_TRUE(ProjectionRunner::stale(*store, *log, {&a2, &b}).empty());
  append_events(*log, 5, "T-");
  ProjectionRunner both(*log, *store, {&a2, &b}, none);
  ASSERT_TRUE(both.catch_up().is_ok());
  EXPECT_EQ(both.events_applied(), 5);
  EXPECT_EQ(counter("a", "total"), 40);
  EXPECT_EQ(counter("b", "total"), 40);
}

TEST(RunnerTest, StopsOnARecordItCannotDecodeAndSaysWhere) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 1})).value();
  ASSERT_TRUE(append_and_wait(*log, {{Topic::requests, "R-1", "not an envelope"}}).is_ok());
  auto store = std::move(ReadStore::open(tmp.sub("views"), {"counting"})).value();
  CountingProjection counting;
  Upcasters none;
  ProjectionRunner runner(*log, *store, {&counting}, none);
  Status s = runner.catch_up();
  EXPECT_EQ(s.code(), Errc::corruption);
  EXPECT_NE(s.message().find("aftercare.requests/0@0"), std::string::npos) << s.message();
}

TEST(RunnerTest, ABulkRebuildOnTwoThreadsWritesWhatTheLiveRunnerWrites) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  for (int round = 0; round < 6; ++round) append_events(*log, 50);  // 50 aggregates, 6 events each
  CountingProjection counting;
  Upcasters none;
  std::string live_digest;
  {
    auto store = std::move(ReadStore::open(tmp.sub("live"), {"counting"})).value();
    ProjectionRunner runner(*log, *store, {&counting}, none);
    ASSERT_TRUE(runner.start().is_ok());
    Position end;
    for (const auto& tp : runner.partitions()) end.advance(tp, *log->end_offset(tp));
    ASSERT_TRUE(runner.wait_for(end, std::chrono::seconds(10)));
    runner.stop();
    EXPECT_EQ(total(*store), 300);
    live_digest = store->digest();
  }
  auto store = std::move(ReadStore::open(tmp.sub("bulk"), {"counting"})).value();
  // A tiny budget: every 8-event batch is ingested as its own files, so each
  // aggregate's counter is merged across files and "seen" lookups go to them.
  ProjectionRunner bulk(*log, *store, {&counting}, none,
                        {.max_batch = 8, .bulk = true, .bulk_flush_bytes = 1, .threads = 2, .on_batch = {}, .post_callback = {}});
  ASSERT_TRUE(bulk.catch_up().is_ok());
  EXPECT_EQ(bulk.events_applied(), 300);
  EXPECT_EQ(total(*store), 300);
  EXPECT_EQ(decode_counter(store->get("counting", "aggregate/R-7").value().value_or("")), 6);
  EXPECT_TRUE(store->scan("counting", "dup/", "", 10).value().empty()) << "no event applied twice";
  EXPECT_EQ(store->digest(), live_digest);
}

// A scan that steps over many deleted rows hands its range to the store's
// compactor, and the next scans of it no longer step over them (a status
// index after a busy hour: bench/README.md). The puts and their deletions
// are in two flushed files, so no flush could have dropped the tombstones.
TEST(ReadStoreTest, ARangeRiddledWithDeletedRowsIsCompactedAway) {
  TempDir tmp;
  auto store = std::move(ReadStore::open(tmp.sub("views"), {"f"})).value();
  auto* cf = store->family("f");
  auto key = [](int i) { return fmt::format("idx/a/{:05}", i); };
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(store->db().Put({}, cf, key(i), "").ok());
  ASSERT_TRUE(store->db().Flush({}, cf).ok());
  for (int i = 0; i < 2990; ++i) ASSERT_TRUE(store->db().Delete({}, cf, key(i)).ok());
  ASSERT_TRUE(store->db().Flush({}, cf).ok());
  // One page of 5 rows: the rows it returns, and the deleted rows it stepped over.
  auto page = [&](uint64_t* skipped) {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
    const uint64_t before = rocksdb::get_perf_context()->internal_delete_skipped_count;
    auto rows = store->scan("f", "idx/a/", "", 5).value();
    *skipped = rocksdb::get_perf_context()->internal_delete_skipped_count - before;
    std::vector<std::string> keys;
    for (const auto& [k, v] : rows) keys.push_back(k);
    return keys;
  };
  const std::vector<std::string> expected = {key(2990), key(2991), key(2992), key(2993), key(2994)};
  uint64_t skipped = 0;
  EXPECT_EQ(page(&skipped), expected);
  EXPECT_GE(skipped, 2990u) << "the page stepped over every deletion first";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(page(&skipped), expected);
    if (skipped < 100) break;
  }
  EXPECT_LT(skipped, 100u) << "the deleted rows are still there after 30 s";
}

// The pending rows' own hash table, against std::map: through growth, in
// both sizes, every key found once with its last value, none invented.
TEST(PendingRowsTest, FindsEveryKeyItHoldsThroughGrowth) {
  for (bool large : {false, true}) {
    PendingRows rows(large);
    std::map<std::string, std::string> expected;
    for (int i = 0; i < 20000; ++i) {
      // Keys sharing long prefixes and colliding in their low bits alike; every 7th written twice.
      const std::string key = "idx/customer/C-" + std::to_string(i % 9000) + "/" + std::to_string(i * 7919 % 20000);
      bool inserted = false;
      PendingRow& row = rows.insert(key, &inserted);
      EXPECT_EQ(inserted, !expected.count(key)) << key;
      row.value = "v" + std::to_string(i);
      expected[key] = "v" + std::to_string(i);
    }
    EXPECT_EQ(rows.size(), expected.size());
    for (const auto& [key, value] : expected) {
      const PendingRow* row = rows.find(key);
      ASSERT_NE(row, nullptr) << key;
      EXPECT_EQ(std::string_view(row->value), value);
    }
    EXPECT_EQ(rows.find("idx/customer/C-9000/1"), nullptr);
    EXPECT_EQ(rows.find(""), nullptr);
    std::map<std::string, std::string> seen;
    rows.for_each([&](std::string_view key, const PendingRow& row) {
      EXPECT_TRUE(seen.emplace(std::string(key), std::string(row.value)).second) << "listed twice: " << key;
    });
    EXPECT_EQ(seen, expected);
  }
}

TEST(ProjectionTxnTest, CountersAddWithoutReadingAndReadBackAsTheirSum) {
  TempDir tmp;
  auto store = std::move(ReadStore::open(tmp.sub("views"), {"counting"})).value();
  auto* cf = store->family("counting");
  ASSERT_TRUE(store->db().Put({}, cf, "stored", encode_counter(5)).ok());
  PendingRows pending;
  ProjectionTxn txn(store->db(), *cf, pending);
  txn.add("stored", 2);
  EXPECT_EQ(decode_counter(txn.get("stored").value_or("")), 7) << "the stored value plus the pending delta";
  txn.add("fresh", -3);
  EXPECT_EQ(decode_counter(txn.get("fresh").value_or("")), -3);
  txn.put("set", encode_counter(10));
  txn.add("set", 1);
  EXPECT_EQ(decode_counter(txn.get("set").value_or("")), 11);
  txn.del("stored");
  EXPECT_FALSE(txn.get("stored"));
  txn.add("stored", 4);
  EXPECT_EQ(decode_counter(txn.get("stored").value_or("")), 4) << "a deleted counter restarts from 0";
  // The store's merge operator adds the same way.
  ASSERT_TRUE(store->db().Merge({}, cf, "stored", encode_counter(3)).ok());
  EXPECT_EQ(decode_counter(store->get("counting", "stored").value().value_or("")), 8);
}

TEST(ViewRowTest, AppendsAndSplitsTheVersion) {
  const std::string row = view_json(R"({"id":"R-1","note":",\"version\":9"})", 12);
  EXPECT_EQ(row, R"({"id":"R-1","note":",\"version\":9","version":12})");
  auto v = split_view(row);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->version, 12u);
  EXPECT_EQ(v->state, R"({"id":"R-1","note":",\"version\":9"})");
  EXPECT_FALSE(split_view(R"({"id":"R-1"})").has_value());
  EXPECT_FALSE(split_view(R"({"version":x})").has_value());
}

TEST(SerializerTest, RunsTasksOfOneKeyOneAtATimeInOrder) {
  Serializer serializer(4);
  std::atomic<int> running{0}, max_running{0};
  std::vector<int> order;
  std::mutex mu;
  std::vector<std::thread> completers;
  std::promise<void> all_done;
  constexpr int kTasks = 200;
  std::atomic<int> finished{0};
  for (int i = 0; i < kTasks; ++i) {
    serializer.submit("R-1", [&, i](Serializer::Done done) {
      const int now = ++running;
      max_running = std::max(max_running.load(), now);
      {
        std::lock_guard lock(mu);
        order.push_back(i);
      }
      auto complete = [&, done] {
        --running;
        if (++finished == kTasks) all_done.set_value();
        done();
      };
      // Half complete inline, half later on another thread, as appends do.
      if (i % 2) {
        complete();
      } else {
        std::lock_guard lock(mu);
        completers.emplace_back(complete);
      }
    });
  }
  all_done.get_future().wait();
  for (auto& t : completers) t.join();
  EXPECT_EQ(max_running.load(), 1);
  ASSERT_EQ(order.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ(order[i], i);
}

class CommandBusTest : public testing::WriteSideTest {
 protected:
  CommandOutcome run(const std::string& id, const std::string& data,
                     std::optional<uint64_t> expected = std::nullopt) {
    std::promise<CommandOutcome> p;
    CommandContext ctx{"admin:test", "cmd-" + std::to_string(++n_), false, "corr", expected, "", false};
    bus.execute(customer_kind(), id, ctx,
                [data](const AggregateHead& head, Timestamp now) -> Decision {
                  if (head.sequence > 0 && head.state_json().starts_with(data.substr(0, data.size() - 1)))
                    return std::vector<Event>{};
                  return std::vector<Event>{Event{head.sequence ? "updated" : "registered", 1, data, now}};
                },
                [&p](CommandOutcome o) { p.set_value(std::move(o)); });
    return p.get_future().get();
  }
  int n_ = 0;
};

TEST_F(CommandBusTest, ChainsEventsAndCountsVersions) {
  auto a = run("C-1", R"({"id":"C-1","n":1})");
  ASSERT_TRUE(a.status.is_ok()) << a.status.to_string();
  EXPECT_TRUE(a.created);
  EXPECT_EQ(a.version, 1u);
  auto b = run("C-1", R"({"id":"C-1","n":2})");
  EXPECT_EQ(b.version, 2u);
  EXPECT_FALSE(b.created);
  auto stale = run("C-1", R"({"id":"C-1","n":3})", 1);
  EXPECT_EQ(stale.status.code(), Errc::precondition_failed);
  EXPECT_EQ(stale.version, 2u);

  ASSERT_TRUE(runner.wait_for(b.position, std::chrono::seconds(10)));
  auto head = state->load(customer_kind(), "C-1");
  ASSERT_TRUE(head.is_ok());
  EXPECT_EQ(head->sequence, 2u);
  EXPECT_NE(head->state_json().find(R"("n":2)"), std::string::npos);
}

TEST_F(CommandBusTest, ConcurrentCommandsOnOneAggregateNeverForkItsChain) {
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::promise<CommandOutcome> p;
        const std::string data = R"({"id":"C-9","t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}";
        bus.execute(customer_kind(), "C-9", {"admin:test", "c-" + std::to_string(t) + "-" + std::to_string(i), false, "c", std::nullopt, "", false},
                    [data](const AggregateHead& h, Timestamp now) -> Decision {
                      return std::vector<Event>{Event{h.sequence ? "updated" : "registered", 1, data, now}};
                    },
                    [&p](CommandOutcome o) { p.set_value(std::move(o)); });
        if (p.get_future().get().status.is_ok()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  auto head = state->load(customer_kind(), "C-9");
  EXPECT_EQ(head->sequence, static_cast<uint64_t>(kThreads * kEach));
  // The projection saw a gapless, unforked chain (it stops on any break).
  Position end;
  const TopicPartition tp{Topic::master, log->partition_of("C-9")};
  end.advance(tp, *log->end_offset(tp));
  EXPECT_TRUE(runner.wait_for(end, std::chrono::seconds(10)));
  EXPECT_TRUE(runner.health().is_ok()) << runner.health().to_string();
}

// A command queued behind another on the same aggregate starts when the
// first one's append completes. Before, that was on the log's appender
// thread: decide() and the next append's preparation ran there, and the
// next group commit waited for them. Now they run on the callbacks
// executor (or on the caller's thread, when nothing is queued).
TEST_F(CommandBusTest, DecideNeverRunsOnTheLogsThread) {
  constexpr int kCallers = 4, kEach = 20;
  std::atomic<int> elsewhere{0}, decided{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      const auto caller = std::this_thread::get_id();
      for (int i = 0; i < kEach; ++i) {
        std::promise<CommandOutcome> p;
        const std::string data = R"({"id":"C-5","t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}";
        bus.execute(customer_kind(), "C-5",
                    {"admin:test", "t-" + std::to_string(t) + "-" + std::to_string(i), false, "c", std::nullopt, "", false},
                    [&, data, caller](const AggregateHead& h, Timestamp now) -> Decision {
                      ++decided;
                      if (!callbacks.on_worker() && std::this_thread::get_id() != caller) ++elsewhere;
                      return std::vector<Event>{Event{h.sequence ? "updated" : "registered", 1, data, now}};
                    },
                    [&p](CommandOutcome o) { p.set_value(std::move(o)); });
        EXPECT_TRUE(p.get_future().get().status.is_ok());
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(decided.load(), kCallers * kEach);
  EXPECT_EQ(elsewhere.load(), 0) << "decide() ran on neither a caller's thread nor a callbacks worker";
}

// A query waiting for X-Min-Position is answered off the runner's thread.
TEST_F(CommandBusTest, WaitsForAPositionAreAnsweredOffTheRunnersThread) {
  auto first = run("C-6", R"({"id":"C-6","n":1})");
  ASSERT_TRUE(first.status.is_ok());
  ASSERT_TRUE(runner.wait_for(first.position, std::chrono::seconds(10)));
  // A position one past the end: reached by the next command's event.
  Position next;
  for (const auto& [tp, offset] : first.position.entries()) next.advance(tp, offset + 1);
  std::promise<bool> on_worker;
  runner.when_applied(next, std::chrono::seconds(10), [&](bool ok) { on_worker.set_value(ok && callbacks.on_worker()); });
  ASSERT_TRUE(run("C-6", R"({"id":"C-6","n":2})").status.is_ok());
  EXPECT_TRUE(on_worker.get_future().get());
}

TEST_F(CommandBusTest, RefusesCommandsUntilReady) {
  bus.admit(Admission::none);
  auto o = run("C-1", R"({"id":"C-1"})");
  EXPECT_EQ(o.status.code(), Errc::unavailable);
}

// Read-only snapshots of a store that another writer keeps flushing and
// compacting, as `replay --verify` takes of a running server's read models:
// files named by the MANIFEST vanish under an open. Every open must
// succeed and read a consistent store.
TEST(ReadStoreSnapshotTest, SnapshotsOfAStoreBeingCompactedOpenAndRead) {
  TempDir tmp;
  const std::vector<std::string> families = {"rows"};
  auto primary = std::move(ReadStore::open(tmp.sub("views"), families)).value();
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    auto* cf = primary->family("rows");
    for (int round = 0; !stop; ++round) {
      rocksdb::WriteBatch batch;
      for (int i = 0; i < 200; ++i)
        batch.Put(cf, "k" + std::to_string(i), std::to_string(round) + std::string(100, 'x'));
      batch.Put(primary->meta(), "round", std::to_string(round));
      ASSERT_TRUE(primary->db().Write(rocksdb::WriteOptions(), &batch).ok());
      ASSERT_TRUE(primary->db().Flush(rocksdb::FlushOptions(), cf).ok());
      ASSERT_TRUE(primary->db().CompactRange(rocksdb::CompactRangeOptions(), cf, nullptr, nullptr).ok());
      // A compaction every 20 ms or so: far more often than a server
      // compacts (opening the directory itself lost about 15 of 60 races).
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  int opened = 0, failed = 0;
  std::string first_failure;
  for (int i = 0; i < 60; ++i) {
    auto snapshot = ReadStore::open(tmp.sub("views"), families, /*read_only=*/true);
    if (!snapshot) {
      if (!failed++) first_failure = snapshot.status().to_string();
      continue;
    }
    auto rows = (*snapshot)->scan("rows", "k", "", 1000);
    if (!rows) {
      if (!failed++) first_failure = rows.status().to_string();
      continue;
    }
    ++opened;
    // One write batch per round: a snapshot sees all 200 rows of one round, never a mix.
    if (rows->empty()) continue;
    EXPECT_EQ(rows->size(), 200u);
    const std::string round = rows->front().second.substr(0, rows->front().second.size() - 100);
    for (const auto& [key, value] : *rows) EXPECT_EQ(value.substr(0, value.size() - 100), round) << key;
  }
  stop = true;
  churn.join();
  EXPECT_EQ(failed, 0) << "first failure: " << first_failure;
  EXPECT_EQ(opened, 60);
  // An image left by a process killed while it held one is removed by the next.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string abandoned = tmp.sub("views.snapshot-" + std::to_string(dead) + "-1");
  std::filesystem::create_directory(abandoned);
  ASSERT_TRUE(ReadStore::open(tmp.sub("views"), families, /*read_only=*/true).is_ok());
  EXPECT_FALSE(std::filesystem::exists(abandoned));
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path()))
    EXPECT_EQ(entry.path().filename().string().find(".snapshot-"), std::string::npos)
        << entry.path() << ": a closed snapshot leaves no image behind";
}

}  // namespace
}  // namespace aftercare
