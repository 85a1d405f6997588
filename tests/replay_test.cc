// Replay and audit through the real binary: rebuilt read models equal the
// live ones, and altered events are found.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "eventstore/embedded_log.h"
#include "eventstore/envelope.h"
#include "eventstore/log_format.h"
#include "projections/catalog.h"
#include "replay/replay.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

// The embedded log's RocksDB, opened directly (the server is stopped), to damage it.
struct LogDb {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // [1]: the records
  explicit LogDb(const std::string& log_dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {logformat::kRecordsFamily, {}}};
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), log_dir, families, &handles, &db).ok());
  }
  ~LogDb() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  rocksdb::ColumnFamilyHandle* records() const { return handles.at(1); }
};

// Rewrites, in the log's RocksDB, the first record whose bytes contain
// `needle`, replacing it with `replacement` (same length keeps the JSON valid).
void tamper_log(const std::string& log_dir, const std::string& needle, const std::string& replacement,
                int occurrence = 0) {
  LogDb log(log_dir);
  ASSERT_TRUE(log.db);
  std::unique_ptr<rocksdb::Iterator> it(log.db->NewIterator({}, log.records()));
  int seen = 0;
  bool done = false;
  for (it->SeekToFirst(); it->Valid() && !done; it->Next()) {
    std::string value = it->value().ToString();
    const auto at = value.find(needle);
    if (at == std::string::npos || seen++ < occurrence) continue;
    value.replace(at, needle.size(), replacement);
    ASSERT_TRUE(log.db->Put({}, log.records(), it->key(), value).ok());
    done = true;
  }
  ASSERT_TRUE(done) << "no record contains " << needle;
  it.reset();
}

// Cuts the log's tail: deletes the last record of the partition holding the
// record whose bytes contain `needle` — which must be that last record.
void cut_tail_at(const std::string& log_dir, const std::string& needle) {
  LogDb log(log_dir);
  ASSERT_TRUE(log.db);
  std::unique_ptr<rocksdb::Iterator> it(log.db->NewIterator({}, log.records()));
  std::string key;
  for (it->SeekToFirst(); it->Valid(); it->Next())
    if (it->value().ToStringView().find(needle) != std::string_view::npos) key = it->key().ToString();
  ASSERT_FALSE(key.empty()) << "no record contains " << needle;
  it->Seek(key);
  it->Next();
  ASSERT_TRUE(!it->Valid() || it->key().ToStringView().substr(0, 5) != std::string_view(key).substr(0, 5))
      << needle << " is not the last record of its partition";
  it.reset();
  ASSERT_TRUE(log.db->Delete({}, log.records(), key).ok());
}

class ReplayTest : public ::testing::Test {
 protected:
  TempDir tmp;
  std::string data = tmp.sub("data");

  // Some traffic: customers created and changed, engineers, units.
  void make_history(ServerProcess& server) {
    for (int i = 0; i < 30; ++i) {
      const std::string id = "C-" + std::to_string(i);
      ASSERT_EQ(server.call(verb::put, "/v1/customers/" + id, kAdminToken,
                            R"({"name":"客户)" + std::to_string(i) + R"(","region":"north"})").status, 201);
      ASSERT_EQ(server.call(verb::put, "/v1/customers/" + id, kAdminToken,
                            R"({"name":"客户)" + std::to_string(i) + R"(","region":"south","tier":"gold"})").status, 200);
      ASSERT_EQ(server.call(verb::put, "/v1/units/SN-" + std::to_string(i), kAdminToken,
                            R"({"product_model":"WM-7","customer_id":")" + id + R"("})").status, 201);
    }
    ASSERT_EQ(server.call(verb::put, "/v1/engineers/E-7", kAdminToken,
                          R"({"name":"Li","region":"north","active":true})").status, 201);
  }
};

TEST_F(ReplayTest, RebuiltReadModelsAreByteIdenticalToLiveOnes) {
  ServerProcess server(data);
  make_history(server);
  // While the server runs: both stores are opened as snapshots.
  std::string out;
  EXPECT_EQ(run_aftercare({"replay", "--data", data, "--verify"}, &out), 0) << out;
  EXPECT_NE(out.find("byte-identical"), std::string::npos) << out;
  EXPECT_EQ(server.stop(), 0);
  EXPECT_EQ(run_aftercare({"replay", "--data", data, "--verify"}, &out), 0) << out;
  // A plain rebuild into a directory reports the same digest as --verify did.
  EXPECT_EQ(run_aftercare({"replay", "--data", data, "--out", tmp.sub("rebuilt")}, &out), 0) << out;
  EXPECT_NE(out.find("rebuilt 91 events"), std::string::npos) << out;
}

// `replay --verify` and `audit --verify-chains` promise to work while `serve` runs. Before: under
// load it failed every time ("the log is shorter than the position to
// reach": the log's snapshot was taken before the read models', which had
// gone on past it), and now and then with "Corruption … No such file" (a
// read-only open raced a compaction deleting files).
TEST_F(ReplayTest, VerifyWorksWhileTheServerIsUnderLoad) {
  ServerProcess server(data);
  make_history(server);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  auto writer = [&](int w) {
    HttpClient client(server.port());
    for (int i = 0; !stop; ++i) {
      const std::string id = "L-" + std::to_string(w) + "-" + std::to_string(i % 500);
      Reply r = client.send(verb::put, "/v1/customers/" + id,
                            R"({"name":"负载)" + std::to_string(i) + R"(","region":"north"})",
                            {{"Authorization", std::string("Bearer ") + kAdminToken}, {"Content-Type", "application/json"}});
      if (r.status == 200 || r.status == 201) ++written;
    }
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) writers.emplace_back(writer, w);
  std::vector<std::string> failures;
  for (int run = 0; run < 3; ++run) {
    while (written < 50 * (run + 1)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::string out;
    if (run_aftercare({"replay", "--data", data, "--verify"}, &out) != 0) failures.push_back(out);
    // The chains against the write side's heads, likewise from one consistent snapshot.
    if (run_aftercare({"audit", "--data", data, "--verify-chains"}, &out) != 0) failures.push_back(out);
  }
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " of 6 runs failed; the first said: " << (failures.empty() ? "" : failures.front());
  EXPECT_EQ(server.stop(), 0);
  std::string out;
  EXPECT_EQ(run_aftercare({"replay", "--data", data, "--verify"}, &out), 0) << out;
}

TEST_F(ReplayTest, VerifyNamesTheFirstDifferingReadModelRow) {
  {
    ServerProcess server(data);
    make_history(server);
    EXPECT_EQ(server.stop(), 0);
  }
  // Alter a row of the live master view.
  rocksdb::Options options;
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(options, data + "/views", &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& n : names) families.push_back({n, {}});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, data + "/views", families, &handles, &db).ok());
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "master") {
      ASSERT_TRUE(db->Put({}, handles[i], "customer/C-7", "{}").ok());
    }
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;

  std::string out;
  EXPECT_EQ(run_aftercare({"replay", "--data", data, "--verify"}, &out), 1);
  EXPECT_NE(out.find("read models differ from a rebuild: master: row customer/C-7 differs"),
            std::string::npos) << out;
  EXPECT_EQ(out.find("byte-identical"), std::string::npos);
}

TEST_F(ReplayTest, AuditShowsHistoryAndStateAsOfATime) {
  std::string created_at;
  {
    ServerProcess server(data);
    auto r = server.call(verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"A","region":"north"})");
    ASSERT_EQ(r.status, 201);
    const auto at = r.body.find("\"updated_at\":\"");
    created_at = r.body.substr(at + 14, 24);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(server.call(verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"B","region":"south"})").status, 200);
    EXPECT_EQ(server.stop(), 0);
  }
  std::string out;
  ASSERT_EQ(run_aftercare({"audit", "C-1", "--data", data}, &out), 0) << out;
  EXPECT_NE(out.find("aftercare.customer.registered.v2"), std::string::npos) << out;
  EXPECT_NE(out.find("aftercare.customer.updated.v2"), std::string::npos) << out;
  EXPECT_NE(out.find("admin:root"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("name":"B")"), std::string::npos) << out;

  ASSERT_EQ(run_aftercare({"audit", "C-1", "--data", data, "--as-of", created_at}, &out), 0) << out;
  EXPECT_NE(out.find(R"("name":"A")"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"("name":"B")"), std::string::npos) << out;

  ASSERT_EQ(run_aftercare({"audit", "C-1", "--data", data, "--as-of", "2000-01-01T00:00:00Z"}, &out), 0);
  EXPECT_NE(out.find("did not exist yet"), std::string::npos) << out;
  EXPECT_EQ(run_aftercare({"audit", "C-404", "--data", data}, &out), 1);
  EXPECT_EQ(run_aftercare({"audit", "C-1", "--data", data, "--as-of", "yesterday"}, &out), 1);
}

// `audit <id>` reads a case through the events index (its aggregates, then
// their events) and only the log's tail past the index's checkpoints —
// not every record of the partition. Whether the index is current or
// behind, it finds exactly what the full scan finds.
TEST_F(ReplayTest, AuditFindsACaseThroughTheEventsIndexAndTheLogsTail) {
  {
    ServerProcess server(data);
    make_history(server);
    EXPECT_EQ(server.stop(), 0);
  }
  std::filesystem::copy(data + "/views", tmp.sub("old-views"), std::filesystem::copy_options::recursive);
  {
    ServerProcess server(data);
    for (const char* name : {"third", "fourth"})
      ASSERT_EQ(server.call(verb::put, "/v1/customers/C-1", kAdminToken,
                            std::string(R"({"name":")") + name + R"(","region":"north"})").status, 200);
    EXPECT_EQ(server.stop(), 0);
  }
  auto log = EmbeddedLog::open({.dir = data + "/log", .read_only = true});
  ASSERT_TRUE(log.is_ok()) << log.status().message();
  auto ids = [](const std::vector<HistoryEntry>& h) {
    std::vector<std::string> out;
    for (const auto& e : h) out.push_back(record_name(e.at) + " " + e.envelope.id);
    return out;
  };
  auto full = history(**log, "C-1");
  ASSERT_TRUE(full.is_ok()) << full.status().message();
  ASSERT_EQ(full->size(), 4u);
  for (const std::string& views : {data + "/views", tmp.sub("old-views")}) {
    auto index = ReadStore::open(views, make_catalog().family_names(), /*read_only=*/true);
    ASSERT_TRUE(index.is_ok()) << index.status().message();
    auto through_index = history(**log, "C-1", nullptr, index->get());
    ASSERT_TRUE(through_index.is_ok()) << through_index.status().message();
    EXPECT_EQ(ids(*through_index), ids(*full)) << views;
  }
  std::string out;
  ASSERT_EQ(run_aftercare({"audit", "C-1", "--data", data}, &out), 0) << out;
  EXPECT_NE(out.find(R"("name":"fourth")"), std::string::npos) << out;
}

TEST_F(ReplayTest, VerifyChainsPassesOnAnUntouchedLog) {
  {
    ServerProcess server(data);
    make_history(server);
    EXPECT_EQ(server.stop(), 0);
  }
  std::string out;
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 0) << out;
  EXPECT_NE(out.find("verified 91 events in 61 hash chains"), std::string::npos) << out;
}

TEST_F(ReplayTest, VerifyChainsFindsAByteFlippedInTheMiddleOfAChain) {
  {
    ServerProcess server(data);
    make_history(server);
    EXPECT_EQ(server.stop(), 0);
  }
  // Customer C-3's first event said region "north"; make it say "nortH".
  tamper_log(data + "/log", R"("name":"客户3","region":"north")", R"("name":"客户3","region":"nortH")");
  std::string out;
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 1) << out;
  EXPECT_NE(out.find("BROKEN"), std::string::npos) << out;
  EXPECT_NE(out.find("customer/C-3 event 2: prevhash does not match"), std::string::npos) << out;
}

TEST_F(ReplayTest, VerifyChainsFindsTheLastEventOfAChainAltered) {
  {
    ServerProcess server(data);
    make_history(server);
    EXPECT_EQ(server.stop(), 0);
  }
  // The engineer has one event: no successor's prevhash covers it, the head does.
  tamper_log(data + "/log", R"("name":"Li")", R"("name":"Lu")");
  std::string out;
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 1) << out;
  EXPECT_NE(out.find("engineer/E-7 event 1 differs from the event the write side recorded"),
            std::string::npos) << out;
}

TEST_F(ReplayTest, VerifyChainsFindsRemovedTailEventsAndRemovedAggregates) {
  {
    ServerProcess server(data);
    ASSERT_EQ(server.call(verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"first","region":"north"})").status, 201);
    ASSERT_EQ(server.call(verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"second","region":"north"})").status, 200);
    EXPECT_EQ(server.stop(), 0);
  }
  TempDir other;
  std::filesystem::copy(data, other.sub("data"), std::filesystem::copy_options::recursive);
  // C-1's second event is gone: its chain still links, but ends before its head.
  cut_tail_at(data + "/log", R"("name":"second")");
  std::string out;
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 1) << out;
  EXPECT_NE(out.find("customer/C-1: the write side recorded 2 events, the log ends at 1 (events were removed)"),
            std::string::npos) << out;
  // Both of its events gone: a head without a chain.
  cut_tail_at(data + "/log", R"("name":"first")");
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 1) << out;
  EXPECT_NE(out.find("customer/C-1: the write side recorded 2 events, the log has none (the aggregate was removed)"),
            std::string::npos) << out;
  // Untouched, it says what it checked.
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", other.sub("data")}, &out), 0) << out;
  EXPECT_NE(out.find("checked the write side's 1 recorded heads: 1 chains end exactly at their head"), std::string::npos) << out;
}

// A log written before one-event-per-command: a v1 failure followed by a
// separate `locked`. Every reader — the runner, as-of views, audit, replay —
// reads the v1 events through the upcasters.
TEST_F(ReplayTest, EveryReaderUpcastsEventsOfAnOlderVersion) {
  {
    std::filesystem::create_directories(data);
    auto log = std::move(EmbeddedLog::open({.dir = data + "/log", .partitions = 4})).value();
    const std::string opened =
        R"({"customer_id":"C-1","channel":"phone","type":"repair","serial_no":"","product_model":"WM-7","problem_code":"E1",)"
        R"("description":"","priority":"normal","region":"north","required_by":null,"suspended":false,"complaint":null})";
    const std::vector<std::pair<const char*, std::string>> events = {
        {"opened.v1", opened},
        {"assigned.v1", R"({"engineer_id":"E-7","note":""})"},
        {"reported.v1", R"({"outcome":"unresolved","work_minutes":1,"notes":"","engineer_id":"E-7"})"},
        {"assigned.v1", R"({"engineer_id":"E-8","note":""})"},
        {"reported.v1", R"({"outcome":"not_attended","work_minutes":0,"notes":"","engineer_id":"E-8"})"},
        {"locked.v1", R"({"reason":"two_failed_attempts"})"}};
    std::string prev(kGenesisHash);
    uint64_t seq = 0;
    for (const auto& [type, body] : events) {
      Envelope e = make_envelope("request", "R-old", ++seq, prev, body);
      e.type = std::string("aftercare.request.") + type;
      e.id = "00000000-0000-4000-8000-00000000000" + std::to_string(seq);
      e.command_id = e.correlation_id = "00000000-0000-4000-8000-0000000000c" + std::to_string(seq);
      e.actor = "admin:root";
      const std::string bytes = encode(e);
      prev = chain_hash(bytes);
      ASSERT_TRUE(append_and_wait(*log, {{Topic::requests, "R-old", bytes}}).is_ok());
    }
    log->close();
  }
  ServerProcess server(data);
  const Reply now = server.call(verb::get, "/v1/requests/R-old", kAdminToken);
  ASSERT_EQ(now.status, 200) << now.body;
  EXPECT_EQ(field(now.body, "status"), "locked");
  EXPECT_EQ(field(now.body, "attempts"), "2");
  // As it stood after the first failed attempt (its third event, at +3 s).
  const Reply then = server.call(verb::get, "/v1/requests/R-old?as_of=2026-11-23T08:00:03.500Z", kAdminToken);
  ASSERT_EQ(then.status, 200) << then.body;
  EXPECT_EQ(field(then.body, "status"), "awaiting_assignment");
  EXPECT_EQ(field(then.body, "attempts"), "1");
  // New commands on it write v2 and chain on.
  EXPECT_EQ(server.call(verb::post, "/v1/requests/R-old/unlock", kManagerToken, R"({"decision":"reassign"})").status, 200);
  EXPECT_EQ(server.stop(), 0);
  std::string out;
  EXPECT_EQ(run_aftercare({"audit", "R-old", "--as-of", "2026-11-23T08:00:03.500Z", "--data", data}, &out), 0) << out;
  EXPECT_NE(out.find(R"("attempts":1)"), std::string::npos) << out;
  EXPECT_EQ(run_aftercare({"replay", "--verify", "--data", data}, &out), 0) << out;
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 0) << out;
}

TEST_F(ReplayTest, VerifyChainsFindsNonCanonicalBytes) {
  {
    ServerProcess server(data);
    make_history(server);
    EXPECT_EQ(server.stop(), 0);
  }
  // Same meaning, different bytes: "\u0041" for "A"... here a space after a colon.
  tamper_log(data + "/log", R"("active":true)", R"("active": true)");
  std::string out;
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 1) << out;
  EXPECT_NE(out.find("not in canonical form"), std::string::npos) << out;
}

}  // namespace
}  // namespace aftercare
