// Serializer: runs tasks that share a key one at a time, in submission
// order, without blocking a thread while a task waits for its append.
//
// A task receives a `done` callback and must call it exactly once when it
// has finished (possibly on another thread); the next task for that key's
// stripe starts then. Keys are hashed onto a fixed number of stripes, so
// unrelated keys may occasionally share a queue — never a correctness issue.
//
// Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "base/executor.h"

namespace aftercare {

class Serializer {
 public:
  using Done = std::function<void()>;
  using Task = std::function<void(Done)>;

  // `handover`: where a queued task starts when the task before it finished
  // on another thread (a log's completion thread); null: on that thread.
  explicit Serializer(size_t stripes = 1024, Executor* handover = nullptr);
  void submit(std::string_view key, Task task);

 private:
  struct Stripe {
    std::mutex mu;
    bool busy = false;
    std::deque<Task> queue;
  };
  void run(Stripe& stripe, Task task);

  std::vector<std::unique_ptr<Stripe>> stripes_;
  Executor* handover_;
};

}  // namespace aftercare
