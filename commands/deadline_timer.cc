#include "commands/deadline_timer.h"

#include "base/ids.h"
#include "base/log.h"
#include "base/metrics.h"
#include "domain/request.h"
#include "projections/request_views.h"

namespace aftercare {

namespace {
// An index row's due time: due/<16 hex>/<id>/<kind>.
Timestamp due_of(std::string_view key) {
  return Timestamp{static_cast<int64_t>(std::stoull(std::string(key.substr(4, 16)), nullptr, 16))};
}
}  // namespace

std::string deadline_command_id(const std::string& request_id, const std::string& kind, Timestamp due) {
  return uuid_from_name("deadline\n" + request_id + "\n" + kind + "\n" + std::to_string(due.ms));
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

std::optional<Timestamp> DeadlineTimer::fire_due() {
  const Timestamp now = clock_.now();
  std::vector<std::string> due_keys;
  std::optional<Timestamp> next;
  // due/<16 hex>/<id>/<kind>, in time order: read up to the first one in the future.
  Status read = store_.visit(RequestsProjection::kName, "due/", "", [&](std::string_view key, std::string_view) {
    const Timestamp due = due_of(key);
    if (due > now) {
      next = due;
      return false;
    }
    due_keys.emplace_back(key);
    return true;
  });
  if (!read) {
    log_warn("timer.read_failed", {{"error", read.message()}});
    return Timestamp{now.ms + 1000};  // try again shortly
  }
  for (const std::string& key : due_keys) fire(key);
  // Deadlines gone from the index have been applied: forget them.
  const std::set<std::string> present(due_keys.begin(), due_keys.end());
  std::lock_guard lock(mu_);
  std::erase_if(in_flight_, [&](const std::string& k) { return !present.count(k); });
  return next;
}

void DeadlineTimer::fire(const std::string& key) {
  static Counter& fired_total = metrics().counter("aftercare_deadlines_fired_total", "Deadline commands issued");
  {
    std::lock_guard lock(mu_);
    if (!in_flight_.insert(key).second) return;
  }
  const Timestamp due = due_of(key);
  const size_t slash = key.rfind('/');
  const std::string id = key.substr(21, slash - 21), kind = key.substr(slash + 1);
  CommandContext ctx;
  ctx.actor = "system:timer";
  ctx.command_id = deadline_command_id(id, kind, due);
  ctx.derived_id = true;
  ctx.from_timer = true;
  ctx.correlation_id = ctx.command_id;
  fired_.fetch_add(1);
  pending_.fetch_add(1);
  fired_total.inc();
  bus_.execute(request_kind(), id, ctx,
               [kind, due, id](const AggregateHead& head, Timestamp at) -> Decision {
                 auto s = request_from_json(head.state);
                 if (!s) return Rejection{s.status().code(), s.status().message(), ""};
                 return decide_request(*s, id, DeadlinePassed{kind, due}, at);
               },
               [this, key](CommandOutcome o) {
                 if (!o.status) {
                   // Not written (log unavailable, catching up): try again on a later pass.
                   log_warn("deadline.failed", {{"deadline", key}, {"error", o.status.to_string()}});
                   std::lock_guard lock(mu_);
                   in_flight_.erase(key);
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
