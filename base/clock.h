// Clock: the only source of "now" in aftercare.
//
// Everything that needs the time takes a Clock&, so tests drive time with a
// ManualClock and SLA timers and replays are deterministic. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "domain/time.h"

namespace aftercare {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
  // Blocks until now() >= deadline, `wake` becomes true, or `max_wait` of
  // real time passed (so callers can re-check their own state). Returns
  // whether the deadline was reached.
  virtual bool sleep_until(Timestamp deadline, const std::atomic<bool>& wake,
                           std::chrono::milliseconds max_wait) = 0;
  // Makes sleep_until() calls re-check their condition now.
  virtual void interrupt() = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
  bool sleep_until(Timestamp deadline, const std::atomic<bool>& wake,
                   std::chrono::milliseconds max_wait) override;
  void interrupt() override;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

// Time stands still until a test calls set() or advance().
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start.ms) {}
  Timestamp now() const override { return Timestamp{now_.load()}; }
  void set(Timestamp t);
  void advance(int64_t ms) { set(Timestamp{now_.load() + ms}); }
  bool sleep_until(Timestamp deadline, const std::atomic<bool>& wake,
                   std::chrono::milliseconds max_wait) override;
  void interrupt() override;

 private:
  std::atomic<int64_t> now_;
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace aftercare
