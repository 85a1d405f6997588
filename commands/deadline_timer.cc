#include "commands/deadline_timer.h"

#include "base/ids.h"
#include "base/log.h"
#include "base/metrics.h"

namespace aftercare {

std::string deadline_command_id(AggregateKind kind, const std::string& id, const Deadline& d) {
  return uuid_from_name("deadline\n" + std::string(kind.name()) + "/" + id + "\n" + d.name + "\n" +
                        std::to_string(d.due.ms));
}

void DeadlineTimer::start() {
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void DeadlineTimer::stop() {
  stopping_ = true;
  clock_.interrupt();
  if (thread_.joinable()) thread_.join();
}

void DeadlineTimer::loop() {
  while (!stopping_) {
    const auto next = fire_due();
    const Timestamp wake = next ? *next : Timestamp{clock_.now().ms + kMsPerSecond};
    clock_.sleep_until(wake, stopping_, std::chrono::milliseconds(250));
  }
}

namespace {

// A deadline's name in logs and in the in-flight set.
std::string row_name(const DeadlineRow& row) {
  return std::string(row.kind.name()) + "/" + row.id + "/" + row.deadline.name + "@" + std::to_string(row.deadline.due.ms);
}

}  // namespace

std::optional<Timestamp> DeadlineTimer::fire_due() {
  const Timestamp now = clock_.now();
  std::vector<DeadlineRow> due;
  std::optional<Timestamp> next;
  // In time order: read up to the first one in the future.
  Status read = state_.visit_deadlines([&](const DeadlineRow& row) {
    if (row.deadline.due > now) {
      next = row.deadline.due;
      return false;
    }
    due.push_back(row);
    return true;
  });
  if (!read) {
    log_warn("timer.read_failed", {{"error", read.message()}});
    return Timestamp{now.ms + 1000};  // try again shortly
  }
  std::set<std::string> present;
  for (const DeadlineRow& row : due) {
    present.insert(row_name(row));
    fire(row);
  }
  // Deadlines gone from the index have been applied: forget them.
  std::lock_guard lock(mu_);
  std::erase_if(in_flight_, [&](const std::string& k) { return !present.count(k); });
  return next;
}

void DeadlineTimer::fire(const DeadlineRow& row) {
  static Counter& fired_total = metrics().counter("aftercare_deadlines_fired_total", "Deadline commands issued");
  const std::string name = row_name(row);
  {
    std::lock_guard lock(mu_);
    if (!in_flight_.insert(name).second) return;
  }
  CommandContext ctx;
  ctx.actor = "system:timer";
  ctx.command_id = deadline_command_id(row.kind, row.id, row.deadline);
  ctx.derived_id = true;
  ctx.from_timer = true;
  ctx.correlation_id = ctx.command_id;
  fired_.fetch_add(1);
  pending_.fetch_add(1);
  fired_total.inc();
  bus_.execute(row.kind, row.id, ctx,
               [row](const AggregateHead& head, Timestamp at) -> Decision {
                 return decide_deadline(row.kind, row.id, head.state.get(), row.deadline, at);
               },
               [this, name](CommandOutcome o) {
                 if (!o.status) {
                   // Not written (log unavailable, catching up): try again on a later pass.
                   log_warn("deadline.failed", {{"deadline", name}, {"error", o.status.to_string()}});
                   std::lock_guard lock(mu_);
                   in_flight_.erase(name);
                 }
                 pending_.fetch_sub(1);
               });
}

bool DeadlineTimer::fire_overdue(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  fire_due();
  while (pending_.load() > 0) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace aftercare
