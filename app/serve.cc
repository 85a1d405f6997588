// `aftercare serve`: wires the log, the read store, the projection runner,
// the command bus and the HTTP server together, and takes them down in the
// order that loses nothing on SIGTERM.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "api/http_server.h"
#include "api/service.h"
#include "api/tokens.h"
#include "app/cli.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/sealed.h"
#include "commands/command_bus.h"
#include "commands/deadline_timer.h"
#include "commands/dispatch_process.h"
#include "commands/process_manager.h"
#include "commands/roster.h"
#include "commands/state_store.h"
#include "commands/stock_process.h"
#include "commands/visit_process.h"
#include "notify/webhooks.h"
#include "eventstore/embedded_log.h"
#include "eventstore/kafka_log.h"
#include "eventstore/quarantine.h"
#include "app/data_dir_lock.h"
#include "projections/catalog.h"
#include "projections/read_side.h"
#include "projections/runner.h"

namespace aftercare {
namespace {

constexpr const char* kServeHelp =
    "usage: aftercare serve [--listen HOST:PORT] [--data DIR] [--tokens FILE]\n"
    "                       [--kafka BOOTSTRAP_SERVERS] [--threads N] [--partitions N]\n"
    "\n"
    "  --listen      address to listen on (env AFTERCARE_LISTEN; default 127.0.0.1:8080;\n"
    "                port 0 picks a free port)\n"
    "  --data        data directory (env AFTERCARE_DATA; default ./data)\n"
    "  --tokens      bearer tokens file (env AFTERCARE_TOKENS; default <data>/tokens.json,\n"
    "                created with one admin token when missing)\n"
    "  --kafka       use Kafka as the event log (env AFTERCARE_KAFKA)\n"
    "  --threads     HTTP I/O threads (default: one per core)\n"
    "  --partitions  partitions of a new log (default 8); an existing log keeps its\n"
    "                own, and a different count given here is refused\n"
    "\n"
    "Webhook delivery (docs/consumers.md), in milliseconds:\n"
    "  --webhook-timeout        each of connect, write and read (env AFTERCARE_WEBHOOK_TIMEOUT; 5000)\n"
    "  --webhook-retry-base     the first retry's delay (env AFTERCARE_WEBHOOK_RETRY_BASE; 1000)\n"
    "  --webhook-retry-max      the longest delay (env AFTERCARE_WEBHOOK_RETRY_MAX; 300000)\n"
    "  --webhook-failing-after  failure this long makes a webhook \"failing\"\n"
    "                           (env AFTERCARE_WEBHOOK_FAILING_AFTER; 600000)\n"
    "\n"
    "Charging a visit no warranty or agreement covers (docs/charging.md):\n"
    "  --charging     parts_only or time_and_material (env AFTERCARE_CHARGING; time_and_material)\n"
    "  --labour-rate  per hour, in minor units (env AFTERCARE_LABOUR_RATE; 12000 = 120.00)\n"
    "\n"
    "Prints `listening on HOST:PORT` once it accepts connections; SIGTERM or SIGINT\n"
    "drains in-flight commands and exits cleanly.\n";

bool split_listen(const std::string& listen, std::string& host, uint16_t& port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    const int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

Result<std::unique_ptr<EventLog>> open_log(const std::string& kafka, const std::string& data,
                                           int32_t partitions) {
  if (kafka.empty()) {
    auto log = EmbeddedLog::open({.dir = data + "/log", .partitions = partitions});
    if (!log) return log.status();
    return std::unique_ptr<EventLog>(std::move(log).value());
  }
  auto log = KafkaLog::open({.bootstrap = kafka, .partitions = partitions});
  if (!log) return log.status();
  return std::unique_ptr<EventLog>(std::move(log).value());
}

int fail(const std::string& what) {
  std::fprintf(stderr, "aftercare serve: %s\n", what.c_str());
  return 1;
}

}  // namespace

int serve_main(const std::vector<std::string>& argv) {
  Args args(argv, {"listen", "data", "tokens", "kafka", "threads", "partitions", "webhook-timeout", "webhook-retry-base",
                   "webhook-retry-max", "webhook-failing-after", "charging", "labour-rate"},
            {"help"});
  if (args.has("help")) return std::fputs(kServeHelp, stdout), 0;
  if (!args.ok() || !args.positional().empty())
    return fail((args.ok() ? "unexpected argument " + args.positional()[0] : args.error()) +
                "\n\n" + kServeHelp);
  std::string host;
  uint16_t port = 0;
  const std::string listen = args.get("listen", "AFTERCARE_LISTEN", "127.0.0.1:8080");
  if (!split_listen(listen, host, port)) return fail("--listen must be HOST:PORT, not " + listen);
  const std::string data = args.get("data", "AFTERCARE_DATA", "./data");
  const std::string tokens_path = args.get("tokens", "AFTERCARE_TOKENS", data + "/tokens.json");
  const std::string kafka = args.get("kafka", "AFTERCARE_KAFKA", "");
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int partitions = 0;  // a new log's default; an existing log keeps its own
  WebhookOptions webhook_options{.dir = data + "/webhooks"};
  try {
    if (auto t = args.get("threads")) threads = std::stoi(*t);
    if (auto p = args.get("partitions")) partitions = std::stoi(*p);
    auto millis = [&](const char* flag, const char* env, std::chrono::milliseconds& out) {
      const std::string v = args.get(flag, env, "");
      if (!v.empty()) out = std::chrono::milliseconds(std::stoll(v));
      if (out.count() < 1) throw std::invalid_argument(flag);
    };
    millis("webhook-timeout", "AFTERCARE_WEBHOOK_TIMEOUT", webhook_options.timeout);
    millis("webhook-retry-base", "AFTERCARE_WEBHOOK_RETRY_BASE", webhook_options.retry_base);
    millis("webhook-retry-max", "AFTERCARE_WEBHOOK_RETRY_MAX", webhook_options.retry_max);
    millis("webhook-failing-after", "AFTERCARE_WEBHOOK_FAILING_AFTER", webhook_options.failing_after);
  } catch (...) {
    return fail("--threads, --partitions and the --webhook-* options take positive numbers");
  }
  ChargingPolicy charging;
  charging.default_method = args.get("charging", "AFTERCARE_CHARGING", charging.default_method);
  if (charging.default_method != "parts_only" && charging.default_method != "time_and_material")
    return fail("--charging must be parts_only or time_and_material");
  try {
    const std::string rate = args.get("labour-rate", "AFTERCARE_LABOUR_RATE", "");
    if (!rate.empty()) {
      size_t used = 0;
      charging.labour_rate = std::stoll(rate, &used);
      if (used != rate.size() || charging.labour_rate < 0 || charging.labour_rate > kMaxLabourRate) throw std::invalid_argument(rate);
    }
  } catch (...) {
    return fail("--labour-rate takes an amount per hour in minor units, 0.." + std::to_string(kMaxLabourRate));
  }

  // Signals are taken by sigwait() below, never by a worker thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The port first: a busy port must not leave a tokens file or empty log
  // directories behind.
  HttpServerOptions http_options;
  http_options.host = host;
  http_options.port = port;
  http_options.threads = threads;
  HttpServer server(http_options);
  if (Status s = server.listen(); !s) return fail(s.message());

  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  if (ec) return fail("cannot create " + data + ": " + ec.message());
  DataDirLock lock;
  if (Status s = lock.acquire(data); !s) return fail(s.message());
  auto quarantine = Quarantine::load(data);
  if (!quarantine) return fail(quarantine.status().message());
  for (const auto& r : quarantine->records())
    log_warn("serve.quarantined_record", {{"record", record_name(r.at)}, {"reason", r.reason}});

  auto log = open_log(kafka, data, partitions);
  if (!log) return fail(log.status().message());
  Catalog catalog = make_catalog();
  auto store = ReadStore::open(data + "/views", catalog.family_names());
  if (!store) return fail(store.status().message());
  SystemClock clock;
  // Where a command queued behind another starts (not the log's thread).
  Executor callbacks(1);
  RunnerOptions runner_options;
  runner_options.quarantine = &*quarantine;
  runner_options.post_callback = [&server](std::function<void()> task) { server.post(std::move(task)); };
  // Read models of a new version are rebuilt by a runner of their own, so
  // that the others stay current meanwhile (commands never wait for read
  // models) — unless the whole store is built for the first time.
  const std::vector<std::string> stale = ProjectionRunner::stale(**store, **log, catalog.pointers());
  std::vector<Projection*> live_projections, rebuilt_projections;
  for (Projection* p : catalog.pointers()) {
    const bool is_stale = std::find(stale.begin(), stale.end(), p->name()) != stale.end();
    if (is_stale && stale.size() < catalog.projections.size()) rebuilt_projections.push_back(p);
    else live_projections.push_back(p);
  }
  ProjectionRunner runner(**log, **store, live_projections, catalog.upcasters, runner_options);
  if (Status s = runner.start(); !s) return fail(s.message());
  std::unique_ptr<ProjectionRunner> rebuilder;
  if (!rebuilt_projections.empty()) {
    RunnerOptions rebuild_options = runner_options;
    rebuild_options.lag_gauge = "aftercare_projection_rebuild_lag_events";
    rebuilder = std::make_unique<ProjectionRunner>(**log, **store, rebuilt_projections, catalog.upcasters, rebuild_options);
    if (Status s = rebuilder->start(); !s) return fail(s.message());
    std::string names;
    for (const Projection* p : rebuilt_projections) names += (names.empty() ? "" : ",") + std::string(p->name());
    log_info("serve.rebuilding", {{"read_models", names}});
  }
  ReadSide read_side(runner, rebuilder.get());
  // Tokens last: a log, store or read models that are refused leaves no new tokens file.
  std::string new_token;
  auto tokens = Tokens::load_or_create(tokens_path, data + "/actor.key", &new_token);
  if (!tokens) return fail(tokens.status().message());
  if (!new_token.empty()) {
    std::printf("created %s with one admin token: %s\n", tokens_path.c_str(), new_token.c_str());
    std::fflush(stdout);
  }
  // The write side's own state, folded from the log (never from the read models).
  auto state = StateStore::open(**log, {.dir = data + "/state", .quarantine = &*quarantine});
  if (!state) return fail(state.status().message());
  // Who can take work, for automatic dispatch: fed by the write side's heads.
  Roster roster(**state);
  DispatchPlanner planner(**state, roster);
  CommandBus bus(**log, **state, clock, callbacks);
  DeadlineTimer timer(**state, bus, clock);
  // The request follows its dispatches and they follow it (commands/dispatch_process.h).
  // Webhook secrets are sealed under a key beside the data (base/sealed.h).
  auto sealer = Sealer::open(data + "/secrets.key");
  if (!sealer) return fail(sealer.status().message());
  WebhookManager webhooks(**log, **state, *sealer, clock, webhook_options);
  DispatchProcess dispatch_process(planner);
  ProcessManagerRunner dispatch_follower(**log, bus, dispatch_process, catalog.upcasters,
                                         {.checkpoint_dir = data + "/process"});
  // A transfer's goods move on its stock items (commands/stock_process.h).
  StockProcess stock_process;
  ProcessManagerRunner stock_mover(**log, bus, stock_process, catalog.upcasters, {.checkpoint_dir = data + "/process"});
  // Parts, visits, the request and the stock follow one another (commands/visit_process.h).
  VisitProcess visit_process(**state);
  ProcessManagerRunner visit_follower(**log, bus, visit_process, catalog.upcasters, {.checkpoint_dir = data + "/process"});
  ApiService api({**log, **store, read_side, **state, bus, *tokens, clock,
                  [&server](std::function<void()> task) { server.post(std::move(task)); }, &planner,
                  &webhooks, &*sealer, &visit_process, charging});
  if (Status s = server.start(api); !s) return fail(s.message());
  std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>(server.port()));
  std::printf("console: http://%s:%u/  (sign in with a token from %s; customers: /portal)\n", host.c_str(),
              static_cast<unsigned>(server.port()), tokens_path.c_str());
  std::fflush(stdout);
  log_info("serve.started", {{"listen", host + ":" + std::to_string(server.port())},
                             {"data", data}, {"log", kafka.empty() ? "embedded" : "kafka"},
                             {"partitions", std::to_string((*log)->partition_count())}});

  // Commands wait until the write side's state has folded the whole log;
  // reads go on from the read models as they are meanwhile.
  std::atomic<bool> stopping{false};
  std::thread catch_up([&] {
    for (;;) {
      Status s = (*state)->catch_up();
      if (s) break;
      // Commands stay refused (503); /readyz says why. A log that cannot be
      // read now may be readable later (Kafka down); a record that cannot be
      // folded is not (docs/operations.md).
      std::fprintf(stderr, "aftercare serve: the write side cannot fold the log: %s\n", s.message().c_str());
      if (s.code() == Errc::corruption || stopping) return;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (stopping) return;
    }
    if (Status s = roster.load(); !s) {
      std::fprintf(stderr, "aftercare serve: cannot read the engineers' roster: %s\n", s.message().c_str());
      return;
    }
    if (Status s = webhooks.start(); !s)
      std::fprintf(stderr, "aftercare serve: webhook delivery cannot start: %s\n", s.message().c_str());
    (*state)->start();
    if (stopping) return;
    // What fell due while the service was down is decided before any
    // client command: the deadline's event carries the deadline itself, so
    // it records the moment that passed, not the restart.
    bus.admit(Admission::deadlines);
    if (!timer.fire_overdue(std::chrono::seconds(30)))
      log_warn("serve.overdue_deadlines_pending", {{"pending", std::to_string(timer.pending())}});
    log_info("serve.deadlines_fired", {{"fired", std::to_string(timer.fired())}});
    bus.admit(Admission::all);
    timer.start();
    if (Status s = dispatch_follower.start(); !s)
      log_warn("serve.process_manager_not_started", {{"process_manager", "dispatch"}, {"error", s.to_string()}});
    if (Status s = stock_mover.start(); !s)
      log_warn("serve.process_manager_not_started", {{"process_manager", "stock"}, {"error", s.to_string()}});
    if (Status s = visit_follower.start(); !s)
      log_warn("serve.process_manager_not_started", {{"process_manager", "visit"}, {"error", s.to_string()}});
    log_info("serve.ready");
  });

  int sig = 0;
  sigwait(&signals, &sig);
  log_info("serve.stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  stopping = true;
  bus.admit(Admission::none);                  // new commands: 503
  server.stop(std::chrono::milliseconds(5000));  // in-flight commands finish
  catch_up.join();
  dispatch_follower.stop();
  stock_mover.stop();
  visit_follower.stop();
  webhooks.stop();                             // each deliverer saves its checkpoint
  timer.stop();
  (*log)->close();                             // every queued append is durable or failed
  (*state)->stop();
  runner.stop();
  if (rebuilder) rebuilder->stop();
  callbacks.shutdown();                        // what they completed runs while everything exists
  log_info("serve.stopped");
  return 0;
}

}  // namespace aftercare
