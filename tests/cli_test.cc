// What a newcomer meets on the command line: each mistake gets one line
// that says what is wrong and what to do, and leaves nothing behind.
#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>

#include "api/tokens.h"
#include "base/ids.h"
#include "eventstore/log_format.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;

TEST(CliTest, ASecondServerOnTheSameDataDirectorySaysSo) {
  TempDir tmp;
  ServerProcess first(tmp.sub("data"));
  std::string out;
  EXPECT_NE(run_aftercare({"serve", "--data", tmp.sub("data"), "--listen", "127.0.0.1:0"}, &out), 0);
  EXPECT_NE(out.find("another aftercare serve is using " + tmp.sub("data") + " (pid " + std::to_string(first.pid())),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("LOCK"), std::string::npos) << "no RocksDB internals: " << out;
}

TEST(CliTest, ABusyPortLeavesNothingBehind) {
  TempDir tmp;
  ServerProcess first(tmp.sub("data"));
  std::string out;
  const std::string listen = "127.0.0.1:" + std::to_string(first.port());
  EXPECT_NE(run_aftercare({"serve", "--data", tmp.sub("other"), "--listen", listen}, &out), 0);
  EXPECT_NE(out.find(listen + " is already in use"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(tmp.sub("other"))) << "no tokens file, no empty log directories";
}

TEST(CliTest, AuditAndReplayWithoutADataDirectorySayWhatToPass) {
  TempDir tmp;
  for (const char* cmd : {"audit", "replay"}) {
    std::string out;
    std::vector<std::string> args{cmd, "--data", tmp.sub("nowhere")};
    if (std::string(cmd) == "audit") args.push_back("--verify-chains");
    EXPECT_NE(run_aftercare(args, &out), 0);
    EXPECT_NE(out.find("no event log in " + tmp.sub("nowhere") + "/log: pass the data directory"), std::string::npos)
        << cmd << ": " << out;
    EXPECT_FALSE(std::filesystem::exists(tmp.sub("nowhere"))) << cmd << " created a directory";
  }
}

TEST(CliTest, AnExistingLogKeepsItsPartitionsAndADamagedCountIsReported) {
  TempDir tmp;
  {
    ServerProcess first(tmp.sub("data"));  // 4 partitions
    EXPECT_EQ(first.stop(), 0);
  }
  std::string out;
  EXPECT_NE(run_aftercare({"serve", "--data", tmp.sub("data"), "--listen", "127.0.0.1:0", "--partitions", "8"}, &out), 0);
  EXPECT_NE(out.find("has 4 partitions; --partitions 8 applies only to a new log"), std::string::npos) << out;
  // Damage the recorded count.
  {
    rocksdb::DB* db = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                             {logformat::kRecordsFamily, {}}};
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), tmp.sub("data") + "/log", families, &handles, &db).ok());
    ASSERT_TRUE(db->Put({}, handles[0], logformat::kPartitionsKey, "four").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  const int rc = run_aftercare({"serve", "--data", tmp.sub("data"), "--listen", "127.0.0.1:0"}, &out);
  EXPECT_EQ(rc, 1) << "a clear exit, not an uncaught exception: " << out;
  EXPECT_NE(out.find("partition count recorded in " + tmp.sub("data") + "/log is damaged (\"four\")"), std::string::npos)
      << out;
  EXPECT_NE(run_aftercare({"audit", "--verify-chains", "--data", tmp.sub("data")}, &out), 0);
  EXPECT_NE(out.find("is damaged"), std::string::npos) << out;
}

// The largest write-ahead log file of the embedded log in `log_dir`.
std::string largest_wal(const std::string& log_dir) {
  std::string best;
  for (const auto& f : std::filesystem::directory_iterator(log_dir))
    if (f.path().extension() == ".log" &&
        (best.empty() || std::filesystem::file_size(f.path()) > std::filesystem::file_size(best)))
      best = f.path();
  return best;
}

TEST(DamagedLogTest, DamageBeforeTheEndIsRefusedUntilRecoveredAndATornTailIsDropped) {
  TempDir tmp;
  const std::string data = tmp.sub("data"), torn = tmp.sub("torn");
  {
    ServerProcess server(data);
    Reply last;
    for (int i = 0; i < 40; ++i) {
      last = server.call(http::verb::put, "/v1/customers/C-" + std::to_string(i), kAdminToken,
                         R"({"name":"n","region":"north"})");
      ASSERT_EQ(last.status, 201);
    }
    // The read models have applied the last write (the torn-tail case below
    // relies on it: cut from the log, it stays in the read models).
    ASSERT_EQ(server.call(http::verb::get, "/v1/customers/C-39", kAdminToken, "",
                          {{"X-Min-Position", last.header("X-Position")}}).status, 200);
    server.kill9();  // the events are in the write-ahead log, not yet in table files
  }
  std::filesystem::copy(data, torn, std::filesystem::copy_options::recursive);
  const std::string wal = largest_wal(data + "/log");
  ASSERT_FALSE(wal.empty());
  const auto size = std::filesystem::file_size(wal);
  ASSERT_GT(size, 4000u);
  {
    std::fstream io(wal, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(size / 2));
    io.write("DAMAGE", 6);
  }
  std::string out;
  EXPECT_EQ(run_aftercare({"serve", "--data", data, "--listen", "127.0.0.1:0"}, &out), 1);
  EXPECT_NE(out.find("is damaged before its end"), std::string::npos) << out;
  EXPECT_NE(out.find("aftercare recover-log"), std::string::npos) << out;
  EXPECT_NE(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 0) << "audit does not read past damage either";

  ASSERT_TRUE(std::filesystem::exists(data + "/process")) << "serve keeps its process managers' checkpoints there";
  ASSERT_EQ(run_aftercare({"recover-log", "--data", data}, &out), 0) << out;
  EXPECT_NE(out.find("records before the damage"), std::string::npos) << out;
  // A process manager's checkpoint past the kept end would skip what is written there next.
  EXPECT_FALSE(std::filesystem::exists(data + "/process")) << "the process managers' checkpoints were moved aside";
  EXPECT_NE(run_aftercare({"recover-log", "--data", data}, &out), 0) << "nothing to recover twice: " << out;
  {
    ServerProcess server(data);  // read models rebuilt from what was kept
    EXPECT_EQ(server.call(http::verb::get, "/v1/customers/C-0", kAdminToken).status, 200);
    EXPECT_EQ(server.call(http::verb::put, "/v1/customers/C-new", kAdminToken, R"({"name":"n","region":"north"})").status, 201);
    EXPECT_EQ(server.stop(), 0);
  }
  EXPECT_EQ(run_aftercare({"audit", "--verify-chains", "--data", data}, &out), 0) << out;
  EXPECT_EQ(run_aftercare({"replay", "--verify", "--data", data}, &out), 0) << out;

  // A torn tail — the last bytes of the write-ahead log cut off — is what a
  // crash mid-write leaves: the log opens without the cut batch. Its read
  // models, though, had applied that batch: they are ahead of the log now,
  // and serve refuses them rather than reuse offsets they already applied.
  const std::string torn_wal = largest_wal(torn + "/log");
  std::filesystem::resize_file(torn_wal, std::filesystem::file_size(torn_wal) - 20);
  EXPECT_EQ(run_aftercare({"serve", "--data", torn, "--listen", "127.0.0.1:0"}, &out), 1);
  EXPECT_NE(out.find("but the log ends at"), std::string::npos) << out;
  EXPECT_NE(out.find("Move " + torn + "/views aside"), std::string::npos) << out;
  // The write side's state may have folded that batch too (if its rows were
  // flushed before the kill): it goes aside with the read models.
  std::filesystem::rename(torn + "/views", torn + "/views.old");
  std::filesystem::rename(torn + "/state", torn + "/state.old");
  ServerProcess again(torn);
  EXPECT_EQ(again.call(http::verb::get, "/v1/customers/C-0", kAdminToken).status, 200);
}

TEST(TokensTest, UnnamedTokensAreRecordedByAKeyedDigestNotByTheirHash) {
  const std::string file = R"([{"token":"weak-token-0000000001","role":"agent"},
                              {"token":"named-token-000000002","role":"manager","name":"meg"}])";
  auto a = Tokens::parse(file, "key-one-0123456789abcdef0123456789");
  auto b = Tokens::parse(file, "key-two-0123456789abcdef0123456789");
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  const Principal* pa = a->find("weak-token-0000000001");
  const Principal* pb = b->find("weak-token-0000000001");
  ASSERT_TRUE(pa && pb);
  EXPECT_TRUE(pa->actor.starts_with("agent:token-")) << pa->actor;
  // Without the key, the actor says nothing about the token: its plain
  // SHA-256 (which anyone could compute for guesses) does not appear.
  const std::string plain = to_hex(sha256("weak-token-0000000001"));
  EXPECT_EQ(pa->actor.find(plain.substr(0, 12)), std::string::npos);
  EXPECT_NE(pa->actor, pb->actor) << "another key, another actor";
  EXPECT_EQ(a->find("named-token-000000002")->actor, "manager:meg");
  EXPECT_EQ(a->find("weak-token-000000000"), nullptr);
  EXPECT_EQ(a->find("weak-token-00000000011"), nullptr);
  // Names that would be recorded in events must be printable text.
  EXPECT_FALSE(Tokens::parse(R"([{"token":"0123456789abcdef","role":"agent","name":"a\u0001b"}])", "k").is_ok());
  EXPECT_FALSE(Tokens::parse(R"([{"token":"0123456789abcdef","role":"agent"},{"token":"0123456789abcdef","role":"admin"}])", "k").is_ok())
      << "a token listed twice";
}

}  // namespace
}  // namespace aftercare
