// Process managers (shared/spec/architecture.md §8): work that spans
// aggregates. A process manager consumes events, with its own checkpoint,
// and reacts to one by issuing ordinary commands through the CommandBus —
// never by writing two aggregates in one command.
//
// Exactly-once effects from at-least-once delivery: the command id of a
// follow-up derives from the triggering event's id (and the follow-up's
// index), and the bus remembers every derived command id (the events
// index). So a follow-up issued again — after kill -9 between the follow-up
// and the checkpoint, after a restart, or in a replay — is answered as the
// first time and writes nothing. A refused follow-up is recorded by the bus
// as an `aftercare.command.refused` event under its command id, visible in
// the audit; it is not retried. A follow-up refused because the write side
// is unavailable (503) is retried until it is not.
//
// react() must be deterministic in the event: what it decides from the
// world at that moment belongs in the follow-up command's decide(), whose
// outcome is stored in the event it writes.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands/command_bus.h"
#include "eventstore/envelope.h"
#include "eventstore/event_log.h"
#include "eventstore/upcast.h"

namespace aftercare {

// One command a process manager issues.
struct FollowUp {
  AggregateKind kind;
  std::string id;
  CommandBus::DecideFn decide;
};

class ProcessManager {
 public:
  virtual ~ProcessManager() = default;
  // Stable: it names the checkpoint file and is part of every command id.
  virtual std::string_view name() const = 0;
  virtual std::vector<Topic> topics() const = 0;
  // The commands `event` (upcast to its newest version) calls for; usually none.
  virtual std::vector<FollowUp> react(const Envelope& event) = 0;
};

// The command id of follow-up `index` of `pm` to the event with id `event_id`.
std::string follow_up_command_id(std::string_view pm, std::string_view event_id, size_t index);

struct ProcessManagerOptions {
  std::string checkpoint_dir;  // holds <name>.checkpoint (the Position token)
  size_t max_batch = 256;
  // Called after each follow-up is settled (tests: progress lines).
  std::function<void(const Envelope& trigger, const CommandOutcome& outcome)> on_follow_up = nullptr;
  // Called when a poll found nothing and the checkpoint is at the log's end
  // of every partition it consumes (tests). An empty poll alone says little:
  // a Kafka consumer's first polls are empty while it connects.
  std::function<void()> on_idle = nullptr;
};

class ProcessManagerRunner {
 public:
  ProcessManagerRunner(EventLog& log, CommandBus& bus, ProcessManager& pm, const Upcasters& upcasters,
                       ProcessManagerOptions options);
  ~ProcessManagerRunner() { stop(); }

  // Reads the checkpoint and starts consuming from it on a thread of its own.
  Status start();
  void stop();
  // OK while it runs; why it stopped otherwise (an event it cannot decode).
  Status health() const;
  Position checkpoint() const;

 private:
  void loop();
  // Issues `f` and waits for its outcome; retries while the bus is unavailable.
  // False when stopped first.
  bool settle(const Envelope& trigger, size_t index, FollowUp f);
  Status save_checkpoint(const Position& p);
  // True when the checkpoint has reached the log's end of every partition consumed.
  bool at_log_end() const;
  std::string checkpoint_path() const;

  EventLog& log_;
  CommandBus& bus_;
  ProcessManager& pm_;
  const Upcasters& upcasters_;
  ProcessManagerOptions options_;
  std::unique_ptr<LogReader> reader_;
  mutable std::mutex mu_;
  Position checkpoint_;
  Status health_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace aftercare
