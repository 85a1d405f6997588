// Prometheus metrics: counters, gauges and latency histograms.
//
// Metrics register once (at startup) in a Registry and are then updated
// lock-free from any thread. render() writes the Prometheus text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aftercare {

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Fixed buckets in seconds; observe() takes microseconds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds_seconds);
  void observe_us(uint64_t micros);
  void render(std::string& out, const std::string& name) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf bucket)
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds_seconds);
  // A gauge read at render time.
  void gauge(const std::string& name, const std::string& help, std::function<double()> read);
  std::string render() const;

 private:
  struct Entry {
    std::string name, help, type;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> gauge;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// The process-wide registry served on /metrics.
Registry& metrics();

// Latency buckets for durable operations: 50 µs .. 5 s.
std::vector<double> latency_buckets();

}  // namespace aftercare
