// Event-log append throughput: N concurrent appenders (closed loop: each
// waits for its acknowledgement before the next append), one realistic
// event envelope per append. The embedded log is durable (sync) unless
// --no-sync; with --kafka, appends go to Kafka through the idempotent
// producer and count once the broker acknowledged them (acks=all).
//
//   log_append_bench [--appenders 64] [--seconds 10] [--dir DIR] [--no-sync]
//   log_append_bench --kafka BOOTSTRAP [--appenders 64] [--seconds 10]
//
// Prints appends/s, p50/p99/p99.9 latency (and events per fsync).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "eventstore/embedded_log.h"
#include "eventstore/envelope.h"
#include "eventstore/kafka_log.h"

using namespace aftercare;
using Clock = std::chrono::steady_clock;

namespace {

std::string realistic_event(const std::string& id) {
  Envelope e;
  e.id = "6f1c2a9e-3b7d-4c1e-9a55-0d2b8c4e7f10";
  e.type = "aftercare.request.opened.v1";
  e.subject = "request/" + id;
  e.time = Timestamp{1795420800123};
  e.aggregate_id = id;
  e.sequence = 1;
  e.command_id = "0a6b5c4d-3e2f-4a1b-8c7d-6e5f4a3b2c1d";
  e.actor = "agent:ann";
  e.correlation_id = e.command_id;
  e.prevhash = std::string(kGenesisHash);
  e.data = R"({"customer_id":"C-1001","channel":"phone","type":"repair","serial_no":"WM7-000123",)"
           R"("product_model":"WM-7","problem_code":"E21","description":"drum does not spin",)"
           R"("priority":"normal","required_by":"2026-11-25T18:00:00.000Z","region":"north"})";
  return encode(e);
}

double percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  int appenders = 64;
  double seconds = 10;
  bool sync = true;
  std::string kafka;
  std::string dir = std::filesystem::temp_directory_path() / ("aftercare-bench-" + std::to_string(::getpid()));
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--appenders" && i + 1 < argc) appenders = std::stoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::stod(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--no-sync") sync = false;
    else if (a == "--kafka" && i + 1 < argc) kafka = argv[++i];
    else {
      std::fprintf(stderr, "usage: log_append_bench [--appenders N] [--seconds S] [--dir DIR] [--no-sync] [--kafka BOOTSTRAP]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  Result<std::unique_ptr<EventLog>> log = Status{Errc::unavailable, "not opened"};
  if (kafka.empty()) {
    auto embedded = EmbeddedLog::open({.dir = dir, .sync = sync});
    if (embedded) log = std::unique_ptr<EventLog>(std::move(embedded).value());
    else log = embedded.status();
  } else {
    auto k = KafkaLog::open({.bootstrap = kafka});
    if (k) log = std::unique_ptr<EventLog>(std::move(k).value());
    else log = k.status();
  }
  if (!log) {
    std::fprintf(stderr, "%s\n", log.status().to_string().c_str());
    return 1;
  }
  auto& groups = metrics().counter("aftercare_log_group_commits_total", "");
  std::atomic<bool> stop{false};
  std::vector<std::vector<uint32_t>> latencies(static_cast<size_t>(appenders));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < appenders; ++t) {
    threads.emplace_back([&, t] {
      auto& lat = latencies[static_cast<size_t>(t)];
      lat.reserve(1 << 20);
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const std::string id = "R-" + std::to_string(t) + "-" + std::to_string(i);
        const auto t0 = Clock::now();
        auto r = append_and_wait(**log, {{Topic::requests, id, realistic_event(id)}});
        if (!r) {
          std::fprintf(stderr, "append failed: %s\n", r.status().to_string().c_str());
          std::exit(1);
        }
        lat.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<uint32_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  const double n = static_cast<double>(all.size());
  if (kafka.empty()) {
    std::printf("embedded log append: %d appenders, sync=%s, %.1f s\n", appenders, sync ? "on" : "off", elapsed);
  } else {
    std::printf("kafka log append (%s): %d appenders, idempotent producer, acks=all, %.1f s\n",
                kafka.c_str(), appenders, elapsed);
  }
  std::printf("  appends/s      %.0f (1 event each, %zu bytes)\n", n / elapsed, realistic_event("R-0-0").size());
  std::printf("  latency p50    %.2f ms\n", percentile(all, 0.50) / 1000);
  std::printf("  latency p99    %.2f ms\n", percentile(all, 0.99) / 1000);
  std::printf("  latency p99.9  %.2f ms\n", percentile(all, 0.999) / 1000);
  if (kafka.empty()) {
    std::printf("  group commits  %llu (%.1f appends per fsync)\n",
                static_cast<unsigned long long>(groups.value()),
                n / static_cast<double>(std::max<uint64_t>(1, groups.value())));
  }
  (*log)->close();
  log->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
