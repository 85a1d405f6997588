// Executor: a few worker threads that run posted tasks in order of posting.
//
// Completions arrive on threads that must not do the work that follows
// them: the log's appender or Kafka poll thread (its next group commit or
// delivery report would wait behind the next command's decide()), and the
// projection runner's thread (its next batch would wait behind a query that
// was waiting for X-Min-Position). Those threads post the follow-up here.
//
// Thread-safe. The destructor calls shutdown().
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aftercare {

class Executor {
 public:
  explicit Executor(size_t threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs `task` on a worker; after shutdown(), on the calling thread.
  void post(std::function<void()> task);
  // Runs every task posted so far, then joins the workers. For an orderly
  // stop while everything the tasks refer to still exists.
  void shutdown();
  // True on one of this executor's threads.
  bool on_worker() const;

 private:
  void work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  bool joined_ = false;  // the workers are gone: post() runs tasks inline
  std::vector<std::thread> threads_;
};

}  // namespace aftercare
