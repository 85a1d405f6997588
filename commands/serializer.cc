#include "commands/serializer.h"

#include <cassert>

namespace aftercare {

Serializer::Serializer(size_t stripes, Executor* handover) : handover_(handover) {
  assert(stripes > 0);
  for (size_t i = 0; i < stripes; ++i) stripes_.push_back(std::make_unique<Stripe>());
}

void Serializer::submit(std::string_view key, Task task) {
  Stripe& stripe = *stripes_[std::hash<std::string_view>{}(key) % stripes_.size()];
  {
    std::lock_guard lock(stripe.mu);
    if (stripe.busy) {
      stripe.queue.push_back(std::move(task));
      return;
    }
    stripe.busy = true;
  }
  run(stripe, std::move(task));
}

void Serializer::run(Stripe& stripe, Task task) {
  // Loop rather than recurse: a task that completes synchronously hands the
  // stripe to the next one here instead of growing the stack.
  struct State {
    std::mutex mu;
    bool finished_inline = false;
    bool returned = false;
  };
  for (;;) {
    auto state = std::make_shared<State>();
    auto next_task = [&stripe]() -> Task {
      std::lock_guard lock(stripe.mu);
      if (stripe.queue.empty()) {
        stripe.busy = false;
        return nullptr;
      }
      Task t = std::move(stripe.queue.front());
      stripe.queue.pop_front();
      return t;
    };
    task([this, &stripe, state, next_task] {
      {
        std::lock_guard lock(state->mu);
        if (!state->returned) {
          state->finished_inline = true;  // the loop below picks up the next task
          return;
        }
      }
      Task t = next_task();
      if (!t) return;
      if (!handover_) return run(stripe, std::move(t));
      handover_->post([this, &stripe, t = std::move(t)]() mutable { run(stripe, std::move(t)); });
    });
    {
      std::lock_guard lock(state->mu);
      state->returned = true;
      if (!state->finished_inline) return;  // done() will run the next task later
    }
    task = next_task();
    if (!task) return;
  }
}

}  // namespace aftercare
