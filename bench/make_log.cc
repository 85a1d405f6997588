// make_log: writes a large, valid embedded event log for the replay and
// memory benchmarks — customers and engineers, then N service requests,
// each opened and (with --events-per-request 2..4) assigned, reported and
// called back. Events come from the domain's own decide()/apply(), with
// real hash chains, so `aftercare replay` and `serve` treat the log like
// any other. Written without fsync (it is test data) in large batches.
//
// With --visits N it also writes N completed visits of one outlet (O-BENCH)
// in one month (2026-11), each with its stored charge: the settlement
// benchmark's data (bench/README.md).
//
//   make_log --dir DATA/log --requests 1000000 [--events-per-request 2] [--partitions 8] [--visits N]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "commands/command_bus.h"
#include "domain/master_data.h"
#include "domain/request.h"
#include "domain/visit.h"
#include "eventstore/embedded_log.h"
#include "eventstore/envelope.h"

using namespace aftercare;

namespace {

struct Chain {
  uint64_t sequence = 0;
  std::string hash = std::string(kGenesisHash);
};

// Wraps `ev` like the command bus does and advances the chain.
AppendItem wrap(const std::string& kind, const std::string& id, const Event& ev, Chain& chain,
                const std::string& command_id, Timestamp now, const std::string& key = {}) {
  Envelope env;
  env.sequence = ++chain.sequence;
  env.id = event_id(command_id, "bench", env.sequence);
  env.type = make_type(kind, ev.name, ev.version);
  env.subject = kind + "/" + id;
  env.time = now;
  env.aggregate_id = id;
  env.command_id = command_id;
  env.actor = "agent:bench";
  env.correlation_id = command_id;
  env.prevhash = chain.hash;
  env.data = ev.data;
  std::string bytes = encode(env);
  chain.hash = chain_hash(bytes);
  const Topic topic = kind == "request" ? Topic::requests : kind == "visit" ? Topic::visits : Topic::master;
  return AppendItem{topic, key.empty() ? id : key, std::move(bytes), env.type, env.id};
}

int fail(const std::string& what) {
  std::fprintf(stderr, "make_log: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int64_t requests = 1000000;
  int per_request = 2;
  int partitions = kDefaultPartitions;
  int64_t visits = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--dir") dir = v;
    else if (a == "--requests") requests = std::stoll(v);
    else if (a == "--events-per-request") per_request = std::stoi(v);
    else if (a == "--partitions") partitions = std::stoi(v);
    else if (a == "--visits") visits = std::stoll(v);
    else return fail("unknown option " + a);
  }
  if (dir.empty() || per_request < 1 || per_request > 4) {
    return fail("usage: make_log --dir DIR [--requests N] [--events-per-request 1..4] [--partitions N]");
  }
  auto log = EmbeddedLog::open({.dir = dir, .partitions = partitions, .sync = false});
  if (!log) return fail(log.status().message());
  const auto start = std::chrono::steady_clock::now();
  Timestamp now{1795420800000};  // 2026-11-23T08:00:00Z, one event per millisecond after it

  std::vector<AppendItem> batch;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto r = append_and_wait(**log, std::move(batch));
    batch.clear();
    if (!r) std::fprintf(stderr, "make_log: %s\n", r.status().message().c_str());
    return r.is_ok();
  };

  // Master data: 1,000 customers in four regions, 100 engineers.
  const char* regions[] = {"north", "south", "east", "west"};
  for (int c = 0; c < 1000; ++c) {
    const std::string id = "C-" + std::to_string(c);
    Chain chain;
    const std::string fields = std::string(R"({"id":")") + id + R"(","name":"Customer )" + std::to_string(c) +
                               R"(","region":")" + regions[c % 4] + "\"}";
    batch.push_back(wrap("customer", id, Event{"registered", 1, fields, now}, chain, "master-" + id, now));
  }
  for (int e = 0; e < 100; ++e) {
    const std::string id = "E-" + std::to_string(e);
    Chain chain;
    const std::string fields = std::string(R"({"id":")") + id + R"(","name":"Engineer","region":")" +
                               regions[e % 4] + R"(","active":true})";
    batch.push_back(wrap("engineer", id, Event{"registered", 1, fields, now}, chain, "master-" + id, now));
  }
  if (visits > 0) {  // the outlet the visits settle with
    Chain chain;
    batch.push_back(wrap("outlet", "O-BENCH", Event{"registered", 1, R"({"id":"O-BENCH","name":"Bench outlet","region":"north"})", now},
                         chain, "master-O-BENCH", now));
  }
  if (!flush()) return 1;

  const char* problems[] = {"E21", "E05", "F13", "C02", "H44"};
  const char* models[] = {"WM-7", "WM-9", "DR-3", "FR-12"};
  int64_t events = 0;
  for (int64_t r = 0; r < requests; ++r) {
    const std::string id = "R-bench-" + std::to_string(r);
    RequestState state;
    Chain chain;
    OpenRequest open;
    open.customer_id = "C-" + std::to_string(r % 1000);
    open.channel = "phone";
    open.type = "repair";
    open.product_model = models[r % 4];
    open.problem_code = problems[r % 5];
    open.description = "drum does not spin";
    open.priority = "normal";
    open.region = regions[(r % 1000) % 4];
    std::vector<RequestCommand> commands{open};
    if (per_request >= 2) commands.push_back(AssignRequest{"E-" + std::to_string(r % 100), "", ""});
    if (per_request >= 3) commands.push_back(ReportRequest{"resolved", "new belt", 40, "", ""});
    if (per_request >= 4) commands.push_back(RecordCallback{true, std::nullopt, ""});
    for (size_t k = 0; k < commands.size(); ++k) {
      now.ms += 1;
      Decision d = decide_request(state, id, commands[k], now);
      auto* evs = std::get_if<std::vector<Event>>(&d);
      if (!evs) return fail(id + ": " + std::get<Rejection>(d).message);
      const std::string command_id = id + "/" + std::to_string(k);
      for (Event& ev : *evs) {
        ev.time = now;
        if (Status s = apply_request(state, id, ev); !s) return fail(s.message());
        batch.push_back(wrap("request", id, ev, chain, command_id, now));
        ++events;
      }
    }
    if (batch.size() >= 8192 && !flush()) return 1;
  }
  if (!flush()) return 1;
  // Completed visits of one outlet, November 2026: opened, then completed with a charge.
  for (int64_t v = 0; v < visits; ++v) {
    const std::string request = "R-visit-" + std::to_string(v), id = request + ".1";
    VisitState state;
    Chain chain;
    OpenVisit open{request, id, "E-" + std::to_string(v % 100), "O-BENCH", regions[v % 4], "C-" + std::to_string(v % 1000),
                   v % 10 ? "on_site" : "installation", "", models[v % 4], "VAN-" + std::to_string(v % 100)};
    CompleteVisit done;
    done.outcome = v % 7 ? "fixed" : "no_fault_found";
    done.work_minutes = 20 + v % 60;
    ChargeInput in;
    in.work_minutes = done.work_minutes;
    in.parts = {{"P-" + std::to_string(v % 50), 1, 1000 + (v % 50) * 100, 0}};
    in.dispatch_type = open.type;
    in.outlet_fee = v % 10 ? 8000 : 12000;
    in.now = now;
    done.charge = charge_for(in);
    const std::vector<VisitCommand> commands{open, done};
    for (size_t k = 0; k < commands.size(); ++k) {
      now.ms += 1;
      Decision d = decide_visit(state, id, commands[k], now);
      auto* evs = std::get_if<std::vector<Event>>(&d);
      if (!evs) return fail(id + ": " + std::get<Rejection>(d).message);
      for (Event& ev : *evs) {
        ev.time = now;
        if (Status s = apply_visit(state, id, ev); !s) return fail(s.message());
        batch.push_back(wrap("visit", id, ev, chain, id + "/" + std::to_string(k), now, request));
        ++events;
      }
    }
    if (batch.size() >= 8192 && !flush()) return 1;
  }
  if (!flush()) return 1;
  (*log)->close();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %lld requests and %lld visits, %lld request and visit events (+1,100 master events) to %s in %.1f s\n",
              static_cast<long long>(requests), static_cast<long long>(visits), static_cast<long long>(events), dir.c_str(), secs);
  return 0;
}
