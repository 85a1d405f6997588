#include "base/metrics.h"

#include <fmt/format.h>

namespace aftercare {

Histogram::Histogram(std::vector<double> bounds_seconds)
    : bounds_(std::move(bounds_seconds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe_us(uint64_t micros) {
  const double s = static_cast<double>(micros) / 1e6;
  size_t i = 0;
  while (i < bounds_.size() && s > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(micros, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cumulative);
  }
  cumulative += buckets_[bounds_.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {}\n", name, static_cast<double>(sum_us_.load()) / 1e6);
  out += fmt::format("{}_count {}\n", name, count_.load());
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  for (auto& e : entries_)
    if (e->name == name && e->counter) return *e->counter;
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->type = "counter";
  e->counter = std::make_unique<Counter>();
  entries_.push_back(std::move(e));
  return *entries_.back()->counter;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds_seconds) {
  std::lock_guard lock(mu_);
  for (auto& e : entries_)
    if (e->name == name && e->histogram) return *e->histogram;
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->type = "histogram";
  e->histogram = std::make_unique<Histogram>(std::move(bounds_seconds));
  entries_.push_back(std::move(e));
  return *entries_.back()->histogram;
}

void Registry::gauge(const std::string& name, const std::string& help,
                     std::function<double()> read) {
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e->name == name) {
      e->gauge = std::move(read);  // the newest owner of a gauge wins (e.g. a restarted runner)
      return;
    }
  }
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->type = "gauge";
  e->gauge = std::move(read);
  entries_.push_back(std::move(e));
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& e : entries_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", e->name, e->help, e->name, e->type);
    if (e->counter) out += fmt::format("{} {}\n", e->name, e->counter->value());
    if (e->histogram) e->histogram->render(out, e->name);
    if (e->gauge) out += fmt::format("{} {}\n", e->name, e->gauge());
  }
  return out;
}

Registry& metrics() {
  static Registry* r = new Registry();  // never destroyed: threads may update it during exit
  return *r;
}

std::vector<double> latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
          0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5};
}

}  // namespace aftercare
