// The write path's guarantees, on the real embedded log and read store:
// nothing that would not read back is appended; no command is acknowledged
// while the projections are stopped; a keyed command runs once, even sent
// twice at once for two aggregates; a keyed refusal is an outcome a retry
// gets again; a read error is never taken for "absent"; a record that does
// not decode stops the runner, naming it, until an operator quarantines it.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "domain/master_data.h"
#include "base/ids.h"
#include "eventstore/quarantine.h"
#include "projections/event_reader.h"
#include "tests/write_side_fixture.h"

namespace aftercare {
namespace {

using testing::kTestEpoch;

class WritePathTest : public testing::WriteSideTest {
 protected:
  // Runs a customer upsert with `ctx`; `refuse` makes decide() say no.
  CommandOutcome run(const std::string& id, CommandContext ctx, bool refuse = false) {
    std::promise<CommandOutcome> p;
    bus.execute(customer_kind(), id, std::move(ctx),
                [refuse](const AggregateHead& head, Timestamp now) -> Decision {
                  if (refuse) return Rejection{Errc::conflict, "not now", "closed"};
                  return std::vector<Event>{Event{head.sequence ? "updated" : "registered", 1,
                                                  R"({"name":"n","region":"north"})", now}};
                },
                [&p](CommandOutcome o) { p.set_value(std::move(o)); });
    return p.get_future().get();
  }
  static CommandContext keyed(const std::string& key, const std::string& fingerprint) {
    CommandContext c;
    c.actor = "admin:test";
    c.command_id = uuid_from_name("idempotency\nadmin:test\n" + key);
    c.derived_id = true;
    c.correlation_id = c.command_id;
    c.fingerprint = fingerprint;
    return c;
  }
  int64_t records() {
    int64_t n = 0;
    for (Topic t : kAllTopics)
      for (int32_t p = 0; p < log->partition_count(); ++p) n += *log->end_offset({t, p});
    return n;
  }
};

TEST_F(WritePathTest, AnEnvelopeThatWouldNotReadBackIsRefusedAndNothingIsWritten) {
  CommandContext ctx;
  ctx.actor = "admin:\xff\xfe";  // not UTF-8
  ctx.command_id = "c-1";
  ctx.correlation_id = "c-1";
  const CommandOutcome o = run("C-1", ctx);
  EXPECT_EQ(o.status.code(), Errc::unprocessable) << o.status.to_string();
  EXPECT_EQ(records(), 0);
  ctx.actor = "admin:test";
  EXPECT_TRUE(run("C-1", ctx).status.is_ok());
  EXPECT_EQ(records(), 1);
}

TEST_F(WritePathTest, CommandsAreRefusedWhileTheProjectionsAreStopped) {
  ASSERT_TRUE(append_and_wait(*log, {{Topic::master, "C-9", "{\"not\":\"an envelope\"}"}}).is_ok());
  // Both readers of the log stop at the record: the read side, and the
  // write side's state (whose stop is what refuses the commands).
  for (int i = 0; i < 200 && (runner.health() || state->health()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_FALSE(runner.health());
  ASSERT_FALSE(state->health());
  EXPECT_NE(runner.health().message().find("aftercare.master/"), std::string::npos) << runner.health().message();
  CommandContext ctx;
  ctx.actor = "admin:test";
  ctx.command_id = ctx.correlation_id = "c-2";
  const CommandOutcome o = run("C-1", ctx);
  EXPECT_EQ(o.status.code(), Errc::unavailable) << o.status.to_string();
  // A waiter for a position the runner will never reach gets its answer in time.
  Position beyond;
  beyond.advance({Topic::master, 0}, 1000);
  std::promise<bool> answered;
  runner.when_applied(beyond, std::chrono::milliseconds(300), [&](bool ok) { answered.set_value(ok); });
  auto f = answered.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(3)), std::future_status::ready);
  EXPECT_FALSE(f.get());
}

TEST_F(WritePathTest, AKeyedRefusalIsRecordedAndAnsweredAgain) {
  const CommandOutcome first = run("C-1", keyed("k-1", "fp-a"), /*refuse=*/true);
  EXPECT_EQ(first.status.code(), Errc::conflict);
  EXPECT_EQ(first.current_status, "closed");
  EXPECT_EQ(*log->end_offset({Topic::commands, log->partition_of(keyed("k-1", "").command_id)}), 1)
      << "the refusal is in the log";
  // The same request again, now that decide() would accept it: the original answer.
  const CommandOutcome retry = run("C-1", keyed("k-1", "fp-a"), /*refuse=*/false);
  EXPECT_EQ(retry.status.code(), Errc::conflict);
  EXPECT_EQ(retry.status.message(), "not now");
  EXPECT_EQ(retry.current_status, "closed");
  EXPECT_EQ(*log->end_offset({Topic::master, log->partition_of("C-1")}), 0) << "nothing was upserted";
  // The key with another request: refused as a reuse.
  EXPECT_EQ(run("C-1", keyed("k-1", "fp-b")).status.code(), Errc::unprocessable);
  // Unkeyed refusals are not recorded: nobody can retry them.
  CommandContext plain;
  plain.actor = "admin:test";
  plain.command_id = plain.correlation_id = "c-3";
  const int64_t before = records();
  EXPECT_EQ(run("C-1", plain, /*refuse=*/true).status.code(), Errc::conflict);
  EXPECT_EQ(records(), before);
}

TEST_F(WritePathTest, OneKeyForTwoAggregatesAtOnceRunsOnce) {
  for (int round = 0; round < 40; ++round) {
    const std::string key = "race-" + std::to_string(round);
    std::promise<void> go;
    auto start = go.get_future().share();
    auto a = std::async(std::launch::async, [&] {
      start.wait();
      return run("A-" + std::to_string(round), keyed(key, "fp-a"));
    });
    auto b = std::async(std::launch::async, [&] {
      start.wait();
      return run("B-" + std::to_string(round), keyed(key, "fp-b"));
    });
    go.set_value();
    const CommandOutcome oa = a.get(), ob = b.get();
    EXPECT_NE(oa.status.is_ok(), ob.status.is_ok()) << "round " << round << ": " << oa.status.to_string() << " / "
                                                    << ob.status.to_string();
    const CommandOutcome& loser = oa.status.is_ok() ? ob : oa;
    EXPECT_EQ(loser.status.code(), Errc::unprocessable) << loser.status.to_string();
  }
}

// A read error from the write side's state must not look like a new aggregate.
TEST(ReadErrorTest, ACorruptRowIsAnErrorNotAnAbsentAggregate) {
  testing::TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  ASSERT_TRUE(StateStore::open(*log, {.dir = tmp.sub("state")}).is_ok());  // writes its signature
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), tmp.sub("state"), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    // Incompressible, so that the row fills the table's one large data block.
    std::string name;
    for (uint64_t x = 1; name.size() < 100000; x = x * 6364136223846793005ull + 1442695040888963407ull)
      name += std::to_string(x >> 20);
    const std::string row = R"({"sequence":3,"hash":"x","state":{"name":")" + name + R"("}})";
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "a/customer/C-1", row).ok());  // one large data block
    ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());
  }
  // Damage the data block of the table that holds the row (the largest).
  std::filesystem::path largest;
  for (const auto& f : std::filesystem::directory_iterator(tmp.sub("state")))
    if (f.path().extension() == ".sst" && (largest.empty() || f.file_size() > std::filesystem::file_size(largest)))
      largest = f.path();
  ASSERT_FALSE(largest.empty());
  {
    std::fstream io(largest, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(std::filesystem::file_size(largest) / 4));
    io.write("CORRUPTED-BYTES-CORRUPTED-BYTES", 31);
  }
  auto state = StateStore::open(*log, {.dir = tmp.sub("state")});
  ASSERT_TRUE(state.is_ok()) << state.status().to_string();
  auto head = (*state)->load(customer_kind(), "C-1");
  EXPECT_FALSE(head.is_ok()) << "not an empty head that a command would write sequence 1 on";
  EXPECT_EQ(head.status().code(), Errc::unavailable) << head.status().to_string();
  log->close();
}

// Every read model of `catalog` folded from `log` into a new store in `dir`.
Status catch_up_fresh(EventLog& log, Catalog& catalog, const std::string& dir, const Quarantine* quarantine = nullptr) {
  auto store = std::move(ReadStore::open(dir, catalog.family_names())).value();
  RunnerOptions options;
  options.quarantine = quarantine;
  ProjectionRunner runner(log, *store, catalog.pointers(), catalog.upcasters, options);
  return runner.catch_up();
}

TEST(QuarantineTest, TheRunnerNamesAnUndecodableRecordAndSkipsItOnceQuarantined) {
  testing::TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  const std::string poison = "{\"specversion\":\"1.0\",\"id\":\"\xff\"}";
  auto at = append_and_wait(*log, {{Topic::master, "C-1", poison}});
  ASSERT_TRUE(at.is_ok());
  Catalog catalog = make_catalog();
  {
    Status s = catch_up_fresh(*log, catalog, tmp.sub("a"));
    ASSERT_FALSE(s.is_ok());
    const std::string name = record_name((*at)[0]);
    EXPECT_NE(s.message().find("record " + name + " does not decode"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("aftercare quarantine " + name), std::string::npos) << s.message();
  }
  ASSERT_TRUE(Quarantine::add(tmp.path(), Record{Topic::master, (*at)[0].partition, (*at)[0].offset, "C-1", poison},
                              "test", kTestEpoch)
                  .is_ok());
  auto q = Quarantine::load(tmp.path());
  ASSERT_TRUE(q.is_ok());
  ASSERT_EQ(q->records().size(), 1u);
  // Same place, other bytes: not the quarantined record.
  EXPECT_FALSE(q->contains(Record{Topic::master, (*at)[0].partition, (*at)[0].offset, "C-1", poison + " "}));
  auto store = std::move(ReadStore::open(tmp.sub("b"), catalog.family_names())).value();
  RunnerOptions options;
  options.quarantine = &*q;
  ProjectionRunner runner(*log, *store, catalog.pointers(), catalog.upcasters, options);
  EXPECT_TRUE(runner.catch_up().is_ok());
  EXPECT_EQ(runner.applied().entries().at({Topic::master, (*at)[0].partition}), (*at)[0].offset + 1);
  log->close();
}

TEST(QuarantineTest, ARecordThatDecodesButCannotBeAppliedNamesTheWayForward) {
  testing::TempDir tmp;
  auto log = std::move(EmbeddedLog::open({.dir = tmp.sub("log"), .partitions = 4})).value();
  Envelope e = testing::make_envelope("request", "R-9", 1, std::string(kGenesisHash));
  e.type = "aftercare.request.teleported.v1";  // another producer's invention
  const std::string bytes = encode(e);
  auto at = append_and_wait(*log, {{Topic::requests, "R-9", bytes}});
  ASSERT_TRUE(at.is_ok());
  Catalog catalog = make_catalog();
  {
    Status s = catch_up_fresh(*log, catalog, tmp.sub("a"));
    ASSERT_FALSE(s.is_ok());
    EXPECT_NE(s.message().find("cannot apply record " + record_name((*at)[0])), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("--even-if-it-decodes"), std::string::npos) << s.message();
  }
  ASSERT_TRUE(Quarantine::add(tmp.path(), Record{Topic::requests, (*at)[0].partition, (*at)[0].offset, "R-9", bytes},
                              "another producer", kTestEpoch)
                  .is_ok());
  auto q = Quarantine::load(tmp.path());
  ASSERT_TRUE(q.is_ok());
  EXPECT_TRUE(catch_up_fresh(*log, catalog, tmp.sub("b"), &*q).is_ok());
  log->close();
}

// Logs written before one-event-per-command hold a v1 failure followed by a
// separate `locked`; read through the upcasters they give the same state.
TEST(UpcastTest, AnOldTwoEventLockReadsLikeTheNewOneEvent) {
  auto fold_all = [](const std::vector<Envelope>& events) {
    FoldedState folded;
    for (Envelope e : events) {
      EXPECT_TRUE(event_upcasters().upcast(e).is_ok());
      EXPECT_TRUE(fold_envelope(folded, e).is_ok()) << e.type;
    }
    return folded.state;
  };
  auto env = [](const char* type, std::string data, int64_t ms) {
    Envelope e;
    e.type = type;
    e.aggregate_id = "R-1";
    e.data = std::move(data);
    e.time = Timestamp{kTestEpoch.ms + ms};
    return e;
  };
  const std::string opened =
      R"({"customer_id":"C-1","channel":"phone","type":"repair","serial_no":"","product_model":"","problem_code":"",)"
      R"("description":"","priority":"normal","region":"north","required_by":null,"suspended":false,"complaint":null})";
  const std::vector<Envelope> prefix = {
      env("aftercare.request.opened.v1", opened, 0),
      env("aftercare.request.assigned.v1", R"({"engineer_id":"E-7","note":""})", 1),
      env("aftercare.request.reported.v1", R"({"outcome":"unresolved","work_minutes":1,"notes":"","engineer_id":"E-7"})", 2),
      env("aftercare.request.assigned.v1", R"({"engineer_id":"E-8","note":""})", 3)};
  auto old_log = prefix, new_log = prefix;
  old_log.push_back(env("aftercare.request.reported.v1", R"({"outcome":"unresolved","work_minutes":1,"notes":"","engineer_id":"E-8"})", 4));
  old_log.push_back(env("aftercare.request.locked.v1", R"({"reason":"two_failed_attempts"})", 4));
  new_log.push_back(env("aftercare.request.reported.v2",
                        R"({"outcome":"unresolved","work_minutes":1,"notes":"","engineer_id":"E-8","lock_reason":"two_failed_attempts"})", 4));
  const std::string a = fold_all(old_log), b = fold_all(new_log);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find(R"("status":"locked")"), std::string::npos) << a;
}

}  // namespace
}  // namespace aftercare
