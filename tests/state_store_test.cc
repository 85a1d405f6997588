// The write side's own state (commands/state_store.h): a bounded cache over
// snapshot rows, folded from the log alone. What the bus remembered equals
// what a store restarted on its rows and a store rebuilt from the log alone
// hold; heads written by another writer are folded by the tailer; the cache
// stays within its bound.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "base/clock.h"
#include "base/executor.h"
#include "commands/command_bus.h"
#include "commands/state_store.h"
#include "domain/master_data.h"
#include "eventstore/embedded_log.h"
#include "tests/test_util.h"

namespace aftercare {
namespace {

using testing::TempDir;

// A store and a bus over `log`, caught up and following it.
struct WriteSide {
  WriteSide(EventLog& log, const std::string& dir, size_t cache_entries)
      : state(std::move(StateStore::open(log, {.dir = dir, .cache_entries = cache_entries})).value()),
        bus(log, *state, clock, callbacks) {
    EXPECT_TRUE(state->catch_up().is_ok());
    state->start();
    bus.admit(Admission::all);
  }
  ~WriteSide() {
    state->stop();
    callbacks.shutdown();
  }
  CommandOutcome upsert(const std::string& id, const std::string& name) {
    std::promise<CommandOutcome> p;
    // A derived id (as from an Idempotency-Key): the bus looks it up.
    CommandContext ctx{"admin:test", "put-" + id + "-" + name, true, "c", std::nullopt, "", false};
    bus.execute(customer_kind(), id, ctx,
                [id, name](const AggregateHead& head, Timestamp now) -> Decision {
                  return decide_upsert(master_record(head.state.get()),
                                       R"({"id":")" + id + R"(","name":")" + name + R"(","region":"north"})", now);
                },
                [&p](CommandOutcome o) { p.set_value(std::move(o)); });
    return p.get_future().get();
  }
  // Until the tailer has folded everything the log holds now.
  void wait_folded(EventLog& log) {
    Position end;
    for (int32_t p = 0; p < log.partition_count(); ++p) end.advance({Topic::master, p}, *log.end_offset({Topic::master, p}));
    for (int i = 0; i < 10000 && !state->folded().reaches(end); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(state->folded().reaches(end));
  }

  ManualClock clock{Timestamp{1795420800000}};
  Executor callbacks{1};
  std::unique_ptr<StateStore> state;
  CommandBus bus;
};

std::string head_of(StateStore& s, const std::string& id) {
  auto h = s.load(customer_kind(), id);
  EXPECT_TRUE(h.is_ok()) << h.status().to_string();
  if (!h) return "";
  return std::to_string(h->sequence) + " " + h->hash + " " + h->state_json();
}

TEST(StateStoreTest, RememberedRestartedAndRebuiltHeadsAreTheSame) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  constexpr int kCustomers = 60;
  constexpr size_t kCache = 8;
  std::map<std::string, std::string> live;
  {
    WriteSide w(*log, tmp.sub("state"), kCache);
    for (int round = 0; round < 3; ++round)
      for (int i = 0; i < kCustomers; ++i)
        ASSERT_TRUE(w.upsert("C-" + std::to_string(i), "n" + std::to_string(round)).status.is_ok());
    w.wait_folded(*log);
    EXPECT_LE(w.state->cached(), static_cast<int64_t>(kCache)) << "the cache keeps to its bound once rows hold every head";
    for (int i = 0; i < kCustomers; ++i) live["C-" + std::to_string(i)] = head_of(*w.state, "C-" + std::to_string(i));
    EXPECT_EQ(live["C-7"].substr(0, 2), "3 ");
    EXPECT_NE(live["C-7"].find(R"("name":"n2")"), std::string::npos) << live["C-7"];
  }
  {
    // Restarted on its rows: nothing to fold, the same heads.
    WriteSide w(*log, tmp.sub("state"), kCache);
    for (const auto& [id, head] : live) EXPECT_EQ(head_of(*w.state, id), head) << id;
    // And it goes on from them: a fourth version on top of the third.
    auto o = w.upsert("C-7", "n3");
    ASSERT_TRUE(o.status.is_ok());
    EXPECT_EQ(o.version, 4u);
    live["C-7"] = head_of(*w.state, "C-7");
  }
  {
    // Rebuilt from the log alone, in a new directory: the same heads.
    WriteSide w(*log, tmp.sub("rebuilt"), kCache);
    for (const auto& [id, head] : live) EXPECT_EQ(head_of(*w.state, id), head) << id;
  }
  log->close();
}

TEST(StateStoreTest, EventsAnotherWriterAppendedAreFoldedByTheTailer) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  WriteSide a(*log, tmp.sub("a"), 100);
  {
    WriteSide b(*log, tmp.sub("b"), 100);  // as a failed append whose events reached the log after all
    ASSERT_TRUE(b.upsert("C-1", "from-b").status.is_ok());
    a.wait_folded(*log);
  }
  EXPECT_NE(head_of(*a.state, "C-1").find("from-b"), std::string::npos);
  auto o = a.upsert("C-1", "from-a");
  ASSERT_TRUE(o.status.is_ok()) << o.status.to_string();
  EXPECT_EQ(o.version, 2u) << "decided on the folded head, not on an empty one";
  log->close();
}

TEST(StateStoreTest, AnIdempotentRetryIsRecognisedFromTheRowsAfterARestart) {
  TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  {
    WriteSide w(*log, tmp.sub("state"), 4);
    ASSERT_TRUE(w.upsert("C-1", "x").status.is_ok());
    w.wait_folded(*log);
  }
  WriteSide w(*log, tmp.sub("state"), 4);
  auto record = w.state->find_command("put-C-1-x");
  ASSERT_TRUE(record.is_ok());
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->subject, "customer/C-1");
  EXPECT_EQ((*record)->first, 1u);
  auto again = w.upsert("C-1", "x");
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.version, 1u);
  log->close();
}

// State that has folded further than the log reaches (the log restored
// from an older copy, or recovered past damage) would decide on events the
// log no longer has: the store refuses to open, and says what to do.
TEST(StateStoreTest, StateAheadOfTheLogIsRefused) {
  TempDir tmp;
  // One upsert through a write side over the log in tmp/log; the state's
  // rows are flushed as the store closes.
  auto upsert_and_close = [&](const std::string& name) {
    auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
    WriteSide w(*log, tmp.sub("state"), 100);
    ASSERT_TRUE(w.upsert("C-1", name).status.is_ok());
    w.wait_folded(*log);
  };
  upsert_and_close("first");
  std::filesystem::copy(tmp.sub("log"), tmp.sub("old-log"), std::filesystem::copy_options::recursive);
  upsert_and_close("second");
  auto old_log = std::move(EmbeddedLog::open({.dir = tmp.sub("old-log"), .partitions = 4})).value();
  auto refused = StateStore::open(*old_log, {.dir = tmp.sub("state")});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), Errc::corruption);
  EXPECT_NE(refused.status().message().find("the log has lost acknowledged events"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("Move " + tmp.sub("state") + " aside"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace aftercare
