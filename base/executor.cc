#include "base/executor.h"

#include <algorithm>

namespace aftercare {
namespace {
thread_local const Executor* t_current = nullptr;
}

Executor::Executor(size_t threads) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) threads_.emplace_back([this] { work(); });
}

Executor::~Executor() { shutdown(); }

void Executor::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  // Anything posted while the workers were leaving runs here; later posts run inline.
  std::deque<std::function<void()>> left;
  {
    std::lock_guard lock(mu_);
    joined_ = true;
    left.swap(queue_);
  }
  for (auto& task : left) task();
}

void Executor::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (!joined_) {
      queue_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  task();
}

bool Executor::on_worker() const { return t_current == this; }

void Executor::work() {
  t_current = this;
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything posted has run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace aftercare
