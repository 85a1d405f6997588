// The child process of the crash tests. It does its work until the test
// kills it with SIGKILL, reporting progress on stdout one line at a time
// with a single write(2), so every line the parent reads was complete.
//
//   test_helper append LOG_DIR THREADS   appends 3-record batches forever; "ack <id>" per batch
//   test_helper project LOG_DIR VIEW_DIR  projects slowly; "batch <n>" per commit, "done" at the end
//   test_helper pm DATA_DIR PRODUCE [BOOTSTRAP]  a write side with a process manager that opens a
//                                          request R-<c> for every customer c registered (and has a
//                                          refused follow-up for customers named "refuse…"); with
//                                          PRODUCE=1 it also registers customers. "trigger <c>" per
//                                          acknowledged customer, "follow <c> <outcome>" per settled
//                                          follow-up, "idle" when the manager reached the log's end.
//                                          BOOTSTRAP: Kafka instead of the embedded log in DATA_DIR/log
//   test_helper set-signature VIEWS_DIR PROJECTION VALUE  overwrites a read model's stored
//                                          signature, as a new version of it would find it
//   test_helper append-raw LOG_DIR TOPIC KEY HEX  appends one record of arbitrary bytes (as an
//                                          older version or a foreign producer could have); "at <offset>"
#include <unistd.h>

#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/executor.h"
#include "commands/state_store.h"
#include "commands/command_bus.h"
#include "commands/process_manager.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/request.h"
#include "eventstore/embedded_log.h"
#include "eventstore/kafka_log.h"
#include "projections/catalog.h"
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

// The process manager of the pm mode.
class OpenForEachCustomer final : public ProcessManager {
 public:
  std::string_view name() const override { return "open-for-each-customer"; }
  std::vector<Topic> topics() const override { return {Topic::master}; }
  std::vector<FollowUp> react(const Envelope& e) override {
    // Upcast to the newest version before it is handed over: any version of the event.
    if (!e.type.starts_with("aftercare.customer.registered.v")) return {};
    const std::string customer = e.aggregate_id;
    const bool refuse = string_member(e.data, "name").starts_with("refuse");
    return {FollowUp{request_kind(), "R-" + customer,
                     [customer, refuse](const AggregateHead& head, Timestamp now) -> Decision {
                       const RequestState& state = request_state(head.state.get());
                       // A refusal the domain gives: resuming a request that does not exist.
                       if (refuse) return decide_request(state, "R-" + customer, ResumeRequest{}, now);
                       OpenRequest open;
                       open.customer_id = customer;
                       open.channel = "web";
                       open.type = "installation";
                       open.priority = "normal";
                       open.region = "north";
                       return decide_request(state, "R-" + customer, open, now);
                     }}};
  }
};

std::string outcome_name(const CommandOutcome& o) {
  if (o.replayed) return "replayed";
  return o.status ? "written" : "refused";
}

int run_pm(const std::string& data, bool produce, const std::string& bootstrap) {
  std::unique_ptr<EventLog> log;
  if (bootstrap.empty()) {
    auto opened = EmbeddedLog::open({.dir = data + "/log", .partitions = 4});
    if (!opened) return std::fprintf(stderr, "%s\n", opened.status().to_string().c_str()), 1;
    log = std::move(opened).value();
  } else {
    KafkaLogOptions options;
    options.bootstrap = bootstrap;
    auto opened = KafkaLog::open(options);
    if (!opened) return std::fprintf(stderr, "%s\n", opened.status().to_string().c_str()), 1;
    log = std::move(opened).value();
  }
  Catalog catalog = make_catalog();
  auto store = ReadStore::open(data + "/views", catalog.family_names());
  if (!store) return std::fprintf(stderr, "%s\n", store.status().to_string().c_str()), 1;
  Executor callbacks(2);
  RunnerOptions runner_options;
  runner_options.post_callback = [&callbacks](std::function<void()> f) { callbacks.post(std::move(f)); };
  ProjectionRunner runner(*log, **store, catalog.pointers(), catalog.upcasters, runner_options);
  if (!runner.start()) return 1;
  auto state = StateStore::open(*log, {.dir = data + "/state"});
  if (!state) return std::fprintf(stderr, "%s\n", state.status().to_string().c_str()), 1;
  SystemClock clock;
  CommandBus bus(*log, **state, clock, callbacks);
  // As serve: commands only once the write side has folded the whole log.
  if (Status s = (*state)->catch_up(); !s) return std::fprintf(stderr, "%s\n", s.to_string().c_str()), 1;
  (*state)->start();
  bus.admit(Admission::all);

  OpenForEachCustomer pm;
  ProcessManagerOptions options;
  options.checkpoint_dir = data + "/process";
  options.on_follow_up = [](const Envelope& trigger, const CommandOutcome& o) {
    say("follow " + trigger.aggregate_id + " " + outcome_name(o));
    // Slow on purpose: a kill lands between a follow-up and its checkpoint.
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  };
  options.on_idle = [] { say("idle"); };
  ProcessManagerRunner manager(*log, bus, pm, catalog.upcasters, options);
  if (Status s = manager.start(); !s) return std::fprintf(stderr, "%s\n", s.to_string().c_str()), 1;

  const std::string salt = std::to_string(::getpid());
  for (uint64_t i = 0; produce; ++i) {
    const std::string id = "C-" + salt + "-" + std::to_string(i);
    const std::string name = i % 5 == 4 ? "refuse " + id : "Customer " + id;
    CommandContext ctx;
    ctx.actor = "admin:test";
    ctx.command_id = "put-" + id;
    ctx.correlation_id = ctx.command_id;
    std::promise<CommandOutcome> done;
    bus.execute(customer_kind(), id, ctx,
                [&](const AggregateHead& head, Timestamp now) -> Decision {
                  return decide_upsert(master_record(head.state.get()),
                                       R"({"id":")" + id + R"(","name":")" + name + R"(","region":"north"})", now);
                },
                [&done](CommandOutcome o) { done.set_value(std::move(o)); });
    if (done.get_future().get().status) say("trigger " + id);
  }
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));  // until killed
}

int run_set_signature(const std::string& views, const std::string& projection, const std::string& value) {
  auto store = ReadStore::open(views, make_catalog().family_names());
  if (!store) return std::fprintf(stderr, "%s\n", store.status().to_string().c_str()), 1;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  auto s = (*store)->db().Put(sync, (*store)->meta(), signature_key(projection), value);
  if (!s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  say("set");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "append") return run_append(args[1], std::stoi(args[2]));
  if (args.size() == 3 && args[0] == "project") return run_project(args[1], args[2]);
  if ((args.size() == 3 || args.size() == 4) && args[0] == "pm")
    return run_pm(args[1], args[2] == "1", args.size() == 4 ? args[3] : "");
  if (args.size() == 4 && args[0] == "set-signature") return run_set_signature(args[1], args[2], args[3]);
  if (args.size() == 5 && args[0] == "append-raw") return run_append_raw(args[1], args[2], args[3], args[4]);
  std::fprintf(stderr, "usage: test_helper append DIR THREADS | project LOG_DIR VIEW_DIR\n");
  return 2;
}
