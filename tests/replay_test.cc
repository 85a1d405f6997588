// Replay and audit through the real binary: rebuilt read models equal the
// live ones, and altered events are found.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "eventstore/log_format.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;

// Rewrites, in the log's RocksDB, the first record whose bytes contain
// `needle`, replacing it with `replacement` (same length keeps the JSON valid).
void tamper_log(const std::string& log_dir, const std::string& needle, const std::string& replacement,
                int occurrence = 0) {
  rocksdb::Options options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {logformat::kRecordsFamily, {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, log_dir, families, &handles, &db).ok());
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, handles[1]));
  int seen = 0;
  bool done = false;
  for (it->SeekToFirst(); it->Valid() && !done; it->Next()) {
    std::string value = it->value().ToString();
    const auto at = value.find(needle);
    if (at == std::string::npos || seen++ < occurrence) continue;
    value.replace(at, needle.size(), replacement);
    ASSERT_TRUE(db->Put({}, handles[1], it->key(), value).ok());
    done = true;
  }
  ASSERT_TRUE(done) << "no record contains " << needle;
  it.reset();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
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
  EXPECT_NE(out.find("aftercare.customer.registered.v1"), std::string::npos) << out;
  EXPECT_NE(out.find("aftercare.customer.updated.v1"), std::string::npos) << out;
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
