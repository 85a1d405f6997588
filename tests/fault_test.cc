// Faults of the machine under a running service, against the real binary:
// a full disk. (A damaged log is in cli_test, a slow broker in
// kafka_http_test, deadlines past due across a restart in timer_test.)
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "domain/time.h"
#include "tests/server_fixture.h"

namespace aftercare {
namespace {

using namespace testing;
using http::verb;
using SteadyClock = std::chrono::steady_clock;

// A small tmpfs mounted for one test, so that "the disk is full" is real
// and cheap. Needs the right to mount (root, or CAP_SYS_ADMIN); where that
// is missing the test is skipped and says why.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, int mebibytes) : dir_(dir) {
    std::filesystem::create_directories(dir);
    std::string out;
    const int rc = shell("mount -t tmpfs -o size=" + std::to_string(mebibytes) + "m aftercare-test " + dir, &out);
    if (rc == 0) mounted_ = true;
    else why_not_ = "cannot mount a tmpfs here (" + out + "); run as root to test a full disk";
  }
  ~SmallDisk() {
    std::string ignored;
    if (mounted_) shell("umount -l " + dir_, &ignored);
  }
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }

  // Writes a file until the disk refuses more.
  void fill(const std::string& name) {
    std::ofstream out(dir_ + "/" + name, std::ios::binary);
    const std::string block(1 << 20, 'x');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  void free(const std::string& name) { std::filesystem::remove(dir_ + "/" + name); }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string why_not_;
};

std::string customer_body() {
  // The longest address a customer may have: the disk fills in fewer commands.
  return R"({"name":"王芳","region":"north","address":")" + std::string(8000, 'a') + R"("})";
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

Reply put_customer(ServerProcess& server, const std::string& id) {
  return server.call(verb::put, "/v1/customers/" + id, kAdminToken, customer_body(),
                     {{"Content-Type", "application/json"}});
}

struct Filled {
  std::vector<std::pair<std::string, std::string>> acknowledged;  // id, X-Position
  Reply refused;  // status 0: the disk never refused
};

// New customers C-1, C-2, … until the disk refuses one with a 503 (the
// write-ahead logs may hold preallocated space: a few MiB at most). Any
// other answer fails the test.
Filled put_until_refused(ServerProcess& server) {
  Filled f;
  for (int i = 1; i < 5000; ++i) {
    const std::string id = "C-" + std::to_string(i);
    Reply r = put_customer(server, id);
    if (r.status == 201) {
      f.acknowledged.emplace_back(id, r.header("X-Position"));
    } else {
      if (r.status != 503) ADD_FAILURE() << id << ": " << r.status << " " << r.body;
      f.refused = std::move(r);
      break;
    }
  }
  return f;
}

bool ready_within(ServerProcess& server, std::chrono::seconds limit) {
  const auto until = SteadyClock::now() + limit;
  while (server.call(verb::get, "/readyz", "").status != 200) {
    if (SteadyClock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// The issue's reproduction: a data directory on a 64 MiB filesystem, filled
// with a file while the service runs. Before: the first refused write made
// RocksDB's info log (on the same disk) trip an assertion and the process
// died with SIGABRT; and once a write had failed the log and the
// projections stayed stopped after space returned.
TEST(FullDiskTest, CommandsAreRefusedReadsGoOnAndTheServiceResumesWhenSpaceReturns) {
  TempDir tmp;
  SmallDisk disk(tmp.sub("disk"), 64);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  const std::string data = tmp.sub("disk") + "/data";
  std::set<std::string> acknowledged;
  {
    ServerProcess server(data);
    ASSERT_EQ(put_customer(server, "C-0").status, 201);
    acknowledged.insert("C-0");
    Reply changed = put_customer(server, "C-0");
    ASSERT_EQ(changed.status, 200) << changed.body;
    const std::string before_full = field(changed.body, "version");
    ASSERT_EQ(server.call(verb::get, "/v1/customers/C-0", kAdminToken, "",
                          {{"X-Min-Position", changed.header("X-Position")}}).status, 200);

    disk.fill("filler");
    const Filled filled = put_until_refused(server);
    for (const auto& [id, position] : filled.acknowledged) acknowledged.insert(id);
    ASSERT_EQ(filled.refused.status, 503) << "the disk never filled up";
    EXPECT_NE(filled.refused.body.find("No space left on device"), std::string::npos) << filled.refused.body;

    // The process is alive, says why it is not ready, refuses commands and serves reads.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE(alive(server.pid())) << "the service died on a full disk";
    Reply ready = server.call(verb::get, "/readyz", "");
    EXPECT_EQ(ready.status, 503);
    EXPECT_NE(ready.body.find("No space left on device"), std::string::npos) << ready.body;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(put_customer(server, "C-refused").status, 503);
    Reply read = server.call(verb::get, "/v1/customers/C-0", kAdminToken);
    EXPECT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(field(read.body, "version"), before_full);

    // Space returns: ready again within seconds, without a restart, and commands go through.
    disk.free("filler");
    ASSERT_TRUE(ready_within(server, std::chrono::seconds(30))) << server.call(verb::get, "/readyz", "").body;
    Reply after = put_customer(server, "C-after");
    ASSERT_EQ(after.status, 201) << after.body;
    acknowledged.insert("C-after");
    Reply seen = server.call(verb::get, "/v1/customers/C-after", kAdminToken, "",
                             {{"X-Min-Position", after.header("X-Position")}});
    EXPECT_EQ(seen.status, 200) << seen.body;
    server.kill9();
  }
  // Nothing acknowledged is lost across kill -9, and the log replays clean.
  ServerProcess restarted(data);
  for (const auto& id : acknowledged) {
    Reply r = restarted.call(verb::get, "/v1/customers/" + id, kAdminToken);
    EXPECT_EQ(r.status, 200) << id << " was acknowledged: " << r.body;
  }
  EXPECT_EQ(restarted.stop(), 0);
  std::string out;
  EXPECT_EQ(run_aftercare({"replay", "--verify", "--data", data}, &out), 0) << out;
  // Nothing but data was written on the data disk (RocksDB's info logs go to stderr).
  for (const char* db : {"/log", "/views"})
    for (const auto& entry : std::filesystem::directory_iterator(data + db))
      EXPECT_FALSE(entry.path().filename().string().starts_with("LOG")) << entry.path();
}

// The read models alone on a disk that fills up (the log and the write
// side's state have room): the projections cannot write and /readyz says
// why, but commands go on — the write side decides on its own state
// (docs/architecture.md) and every acknowledged event is in the log. Once
// space returns the projections write the batch they held and catch up,
// without a restart, and everything acknowledged is readable.
TEST(FullDiskTest, ReadModelsOnAFullDiskDoNotStopCommandsAndCatchUpWhenSpaceReturns) {
  TempDir tmp;
  const std::string data = tmp.sub("data");
  SmallDisk disk(data + "/views", 64);
  if (!disk.mounted()) GTEST_SKIP() << disk.why_not();
  ServerProcess server(data);
  ASSERT_EQ(put_customer(server, "C-0").status, 201);
  disk.fill("filler");
  std::vector<std::pair<std::string, std::string>> acknowledged;  // id, X-Position
  Reply ready;
  for (int i = 1; i < 5000; ++i) {
    const std::string id = "C-" + std::to_string(i);
    Reply r = put_customer(server, id);
    ASSERT_EQ(r.status, 201) << id << ": commands do not wait for the read side: " << r.body;
    acknowledged.emplace_back(id, r.header("X-Position"));
    if (i % 10) continue;
    ready = server.call(verb::get, "/readyz", "");
    if (ready.status == 503) break;
  }
  ASSERT_EQ(ready.status, 503) << "the read models' disk never filled up";
  EXPECT_NE(ready.body.find("No space left on device"), std::string::npos) << ready.body;
  for (int i = 0; i < 10; ++i) {
    const std::string id = "C-while-full-" + std::to_string(i);
    Reply r = put_customer(server, id);
    EXPECT_EQ(r.status, 201) << id << ": " << r.body;
    acknowledged.emplace_back(id, r.header("X-Position"));
  }
  ASSERT_TRUE(alive(server.pid()));
  EXPECT_EQ(server.call(verb::get, "/v1/customers/C-0", kAdminToken).status, 200);

  disk.free("filler");
  ASSERT_TRUE(ready_within(server, std::chrono::seconds(30)));
  for (const auto& [id, position] : acknowledged) {
    Reply r = server.call(verb::get, "/v1/customers/" + id, kAdminToken, "", {{"X-Min-Position", position}});
    EXPECT_EQ(r.status, 200) << id << ": " << r.body;
  }
  EXPECT_EQ(put_customer(server, "C-after").status, 201);
  EXPECT_EQ(server.stop(), 0);
  std::string out;
  EXPECT_EQ(run_aftercare({"replay", "--verify", "--data", data}, &out), 0) << out;
}

std::string in_ms(int64_t ms) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return format_rfc3339(Timestamp{now.count() + ms});
}

// The service is down when a request's required_by passes. Before: the lock
// was recorded with the restart's time and nothing else ("locked 4.2 s after
// required_by"), and clients were admitted before the timer had fired it.
TEST(RestartTest, DeadlinesThatFellDueWhileTheServiceWasDownAreDecidedBeforeAnyClientCommand) {
  TempDir tmp;
  const std::string data = tmp.sub("data");
  std::string id, required_by;
  {
    ServerProcess server(data);
    ASSERT_EQ(server.call(verb::put, "/v1/customers/C-1", kAdminToken, R"({"name":"王芳","region":"north"})").status, 201);
    ASSERT_EQ(server.call(verb::put, "/v1/engineers/E-7", kAdminToken, R"({"name":"Li","region":"north","active":true})").status, 201);
    required_by = in_ms(1500);
    Reply opened = server.call(verb::post, "/v1/requests", kAdminToken,
                               R"({"customer_id":"C-1","channel":"phone","type":"repair","required_by":")" + required_by + "\"}");
    ASSERT_EQ(opened.status, 201) << opened.body;
    id = field(opened.body, "id");
    ASSERT_EQ(server.stop(), 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // down across the deadline
  ServerProcess restarted(data);
  // The first client command after /readyz: the lock is already decided.
  Reply assign = restarted.call(verb::post, "/v1/requests/" + id + "/assign", kAdminToken, R"({"engineer_id":"E-7"})");
  EXPECT_EQ(assign.status, 409) << assign.body;
  EXPECT_EQ(field(assign.body, "current_status"), "locked");
  Reply events = restarted.call(verb::get, "/v1/requests/" + id + "/events", kAdminToken);
  ASSERT_EQ(events.status, 200);
  const std::string expected_data = R"("data":{"reason":"not_assigned_in_time","deadline":")" +
                                    format_rfc3339(*parse_rfc3339(required_by)) + "\"}";
  EXPECT_NE(events.body.find("aftercare.request.locked.v2"), std::string::npos) << events.body;
  EXPECT_NE(events.body.find(expected_data), std::string::npos) << events.body;
}

}  // namespace
}  // namespace aftercare
