// DeadlineTimer: the one timer loop of every aggregate kind. It reads the
// deadline index of the write side's StateStore (written from each kind's
// KindSpec::deadlines, in time order), sleeps on the
// injected Clock until the earliest deadline, and issues the kind's
// deadline command (KindSpec::deadline_passed) through the ordinary
// command path for each deadline that has passed.
//
// The command id is derived from (kind, id, name, due time), so a deadline
// fired twice — by a restart, or before the index caught up — is recognised
// as a retry and changes nothing; the kind's decision itself also ignores
// stale deadlines. It re-reads the index at least every 250 ms, so a breach is
// acted on well within 1 s of its deadline.
//
// Thread-safe: start() and stop() from one thread; fire_due() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "base/clock.h"
#include "commands/command_bus.h"
#include "commands/state_store.h"

namespace aftercare {

class DeadlineTimer {
 public:
  DeadlineTimer(StateStore& state, CommandBus& bus, Clock& clock) : state_(state), bus_(bus), clock_(clock) {}
  ~DeadlineTimer() { stop(); }

  void start();
  void stop();

  // Issues commands for every deadline due at clock.now(); returns the next
  // deadline still in the future, if any.
  std::optional<Timestamp> fire_due();
  // At start, before clients are admitted: fires every deadline that fell
  // due while the service was down and waits until each one's command has
  // an outcome (its events written, or nothing to do), so that no client
  // command overtakes an overdue deadline. False when `timeout` passed first.
  bool fire_overdue(std::chrono::milliseconds timeout);
  int64_t fired() const { return fired_.load(); }
  // Deadline commands issued whose outcome has not arrived yet.
  int64_t pending() const { return pending_.load(); }

 private:
  void loop();
  void fire(const DeadlineRow& row);  // one index row: its command, unless in flight

  StateStore& state_;
  CommandBus& bus_;
  Clock& clock_;
  std::mutex mu_;
  std::set<std::string> in_flight_;  // deadlines (row_name()) whose command has not been applied yet
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> fired_{0};
  std::atomic<int64_t> pending_{0};
  std::thread thread_;
};

// The deterministic command id of a deadline.
std::string deadline_command_id(AggregateKind kind, const std::string& id, const Deadline& d);

}  // namespace aftercare
