#include "base/clock.h"

#include <algorithm>

namespace aftercare {

Timestamp SystemClock::now() const {
  using namespace std::chrono;
  return Timestamp{duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
}

bool SystemClock::sleep_until(Timestamp deadline, const std::atomic<bool>& wake,
                              std::chrono::milliseconds max_wait) {
  const int64_t remaining = deadline.ms - now().ms;
  if (remaining <= 0) return true;
  std::unique_lock lock(mu_);
  const auto wait = std::min<int64_t>(remaining, max_wait.count());
  cv_.wait_for(lock, std::chrono::milliseconds(wait), [&] { return wake.load(); });
  return now() >= deadline;
}

void SystemClock::interrupt() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void ManualClock::set(Timestamp t) {
  {
    std::lock_guard lock(mu_);
    now_.store(t.ms);
  }
  cv_.notify_all();
}

bool ManualClock::sleep_until(Timestamp deadline, const std::atomic<bool>& wake,
                              std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, max_wait, [&] { return wake.load() || now_.load() >= deadline.ms; });
  return now_.load() >= deadline.ms;
}

void ManualClock::interrupt() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

}  // namespace aftercare
