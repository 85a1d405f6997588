// CommandBus: the write path. For one aggregate at a time it loads the
// head from the write side's own StateStore (typed state, never the read
// side), calls the domain's decide(), wraps the resulting events in chained
// envelopes, appends them to the log and, once they are durable, reports
// the outcome.
//
// Commands on one aggregate are serialised; commands on different
// aggregates run concurrently and share group commits. Every event carries
// the command id, the actor and the correlation id.
//
// Thread-safe. `done` runs on a log thread and must not block.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/executor.h"
#include "commands/serializer.h"
#include "commands/state_store.h"
#include "domain/kind.h"
#include "eventstore/event_log.h"

namespace aftercare {

struct CommandContext {
  std::string actor;           // "<role>:<token name>", from the bearer token
  std::string command_id;      // unique per command; derived from Idempotency-Key when given
  // The id is derived (Idempotency-Key, a timer's deadline), so an earlier
  // command may have used it; random ids are not looked up in the index.
  bool derived_id = false;
  std::string correlation_id;  // ties the events of one client interaction together
  std::optional<uint64_t> expected_version;  // If-Match: "<version>"
  // What the command asked for (method, path, body), hashed. With a command
  // id derived from an Idempotency-Key, it tells a retry (same fingerprint:
  // the original outcome is returned) from a reuse of the key (refused).
  std::string fingerprint;
  bool expect_exists = false;  // If-Match: *
  bool from_timer = false;     // a deadline fired by the DeadlineTimer (see Admission)
};

// Who may issue commands. Nobody while the write side catches up with the
// log; then the deadline timer alone, while it fires what fell due during
// an outage (a client command must not overtake an overdue deadline); then
// everyone.
enum class Admission { none, deadlines, all };

struct CommandOutcome {
  Status status;               // ok, or why the command was refused
  std::string current_status;  // for illegal transitions
  uint64_t version = 0;        // the aggregate's version after the command
  // Its state after the command, typed: whoever answers renders it (off the
  // log's thread). Null when it does not exist, and for a retry whose
  // aggregate moved on since: that answer is rebuilt as of `version`.
  std::shared_ptr<const AggregateState> typed;
  Position position;           // where its events landed; empty when none were written
  bool created = false;        // the command created the aggregate
  bool replayed = false;       // a retry: nothing new was written; version is the original's

  static CommandOutcome failed(Status s) {
    CommandOutcome o;
    o.status = std::move(s);
    return o;
  }
  static CommandOutcome unchanged(Status s, const AggregateHead& head, std::string current = {}) {
    CommandOutcome o;
    o.status = std::move(s);
    o.current_status = std::move(current);
    o.version = head.sequence;
    o.typed = head.state;
    return o;
  }
};

class CommandBus {
 public:
  using DecideFn = std::function<Decision(const AggregateHead& head, Timestamp now)>;
  using DoneFn = std::function<void(CommandOutcome)>;

  // `callbacks`: where a command queued behind another on the same
  // aggregate (or command id) starts once that one is answered, so that its
  // decide() never runs on the log's appender or Kafka poll thread.
  CommandBus(EventLog& log, StateStore& state, Clock& clock, Executor& callbacks)
      : log_(log), state_(state), clock_(clock), serializer_(1024, &callbacks),
        command_ids_(1024, &callbacks) {}

  void execute(AggregateKind kind, std::string id, CommandContext ctx, DecideFn decide, DoneFn done);

  // Commands that are not admitted get 503.
  void admit(Admission a) { admission_ = a; }
  bool ready() const { return admission_ == Admission::all; }

 private:
  // A position covering every event already written to the partition of `partition_key`.
  Position settled_position(const std::string& partition_key);
  // Serialised on the aggregate, waits until it is settled, then run()s.
  void on_aggregate(AggregateKind kind, std::string id, CommandContext ctx, DecideFn decide, DoneFn done);
  void run(AggregateKind kind, const std::string& id, const CommandContext& ctx,
           const DecideFn& decide, DoneFn done);
  // Answers `refusal`, recording it first when the command id is derived.
  void refuse(AggregateKind kind, const std::string& id, const CommandContext& ctx, CommandOutcome refusal,
              DoneFn done);

  EventLog& log_;
  StateStore& state_;
  Clock& clock_;
  Serializer serializer_;    // per aggregate
  Serializer command_ids_;   // per derived command id (see execute())
  std::atomic<Admission> admission_{Admission::none};
};

// The id of a command's n-th event: derived, so that a retry can tell
// whether it carries the same request as the original.
std::string event_id(const std::string& command_id, const std::string& fingerprint, uint64_t sequence);

// The envelope of `ev` (its time set) as event number `sequence` of aggregate `id`.
Envelope event_envelope(AggregateKind kind, const std::string& id, const CommandContext& ctx, uint64_t sequence,
                        const std::string& prevhash, const Event& ev);

// OK when `bytes` (encode(env)) decodes to exactly `env`; unprocessable otherwise.
Status check_round_trip(const Envelope& env, std::string_view bytes);

// The topic the kind's events go to (KindSpec::topic). One topic per
// aggregate kind is what makes partition order the aggregate's order: the
// hash chain and the write-side state rely on it (docs/architecture.md).
Topic topic_for(AggregateKind kind);

}  // namespace aftercare
