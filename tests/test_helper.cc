// The child process of the crash tests. It does its work until the test
// kills it with SIGKILL, reporting progress on stdout one line at a time
// with a single write(2), so every line the parent reads was complete.
//
//   test_helper append LOG_DIR THREADS   appends 3-record batches forever; "ack <id>" per batch
//   test_helper project LOG_DIR VIEW_DIR  projects slowly; "batch <n>" per commit, "done" at the end
//   test_helper append-raw LOG_DIR TOPIC KEY HEX  appends one record of arbitrary bytes (as an
//                                          older version or a foreign producer could have); "at <offset>"
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/embedded_log.h"
#include "eventstore/envelope.h"
#include "projections/runner.h"
#include "tests/counting_projection.h"

namespace {

using namespace aftercare;

void say(const std::string& line) {
  const std::string l = line + "\n";
  ssize_t n = ::write(STDOUT_FILENO, l.data(), l.size());
  (void)n;
}

int run_append(const std::string& dir, int threads) {
  auto log = EmbeddedLog::open({.dir = dir, .partitions = 4});
  if (!log) {
    std::fprintf(stderr, "%s\n", log.status().to_string().c_str());
    return 1;
  }
  std::vector<std::thread> workers;
  const auto salt = std::to_string(::getpid());
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        const std::string id = salt + "-" + std::to_string(t) + "-" + std::to_string(i);
        const std::string key = "R-" + std::to_string(i % 97);
        std::vector<AppendItem> items = {{Topic::requests, key, "batch " + id + " 0"},
                                         {Topic::dispatches, key, "batch " + id + " 1"},
                                         {Topic::master, "C-" + id, "batch " + id + " 2"}};
        auto r = append_and_wait(**log, std::move(items));
        if (r) say("ack " + id);
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

int run_project(const std::string& log_dir, const std::string& view_dir) {
  auto log = EmbeddedLog::open({.dir = log_dir, .partitions = 4});
  testing::CountingProjection counting;
  auto store = ReadStore::open(view_dir, {"counting"});
  if (!log || !store) return 1;
  Upcasters none;
  RunnerOptions options;
  options.max_batch = 25;
  options.on_batch = [](size_t n) {
    say("batch " + std::to_string(n));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  };
  ProjectionRunner runner(**log, **store, {&counting}, none, options);
  Status s = runner.catch_up();
  if (!s) {
    std::fprintf(stderr, "%s\n", s.to_string().c_str());
    return 1;
  }
  say("done");
  return 0;
}

int run_append_raw(const std::string& dir, const std::string& topic, const std::string& key,
                   const std::string& hex) {
  auto log = EmbeddedLog::open({.dir = dir, .partitions = 4});
  auto t = topic_from_name(topic);
  if (!log || !t) return 1;
  std::string value;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) value.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  auto r = append_and_wait(**log, {{*t, key, value}});
  if (!r) {
    std::fprintf(stderr, "%s\n", r.status().to_string().c_str());
    return 1;
  }
  say("at " + std::to_string((*r)[0].offset));
  (*log)->close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "append") return run_append(args[1], std::stoi(args[2]));
  if (args.size() == 3 && args[0] == "project") return run_project(args[1], args[2]);
  if (args.size() == 5 && args[0] == "append-raw") return run_append_raw(args[1], args[2], args[3], args[4]);
  std::fprintf(stderr, "usage: test_helper append DIR THREADS | project LOG_DIR VIEW_DIR\n");
  return 2;
}
