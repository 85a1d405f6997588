// The aggregate-kind registry: everything the runtime knows about a kind of
// aggregate, declared by the kind in its own files.
//
// A kind is a KindSpec — its name (as in event types
// "aftercare.<kind>.<event>.v<N>"), the topic its events go to, how an
// aggregate finds its partition, the events it emits with their upcasters,
// its state (apply and codec) and, for master records upserted whole over
// PUT, their HTTP shape. The command bus, the state store, the projections,
// audit, replay, the events index and the OpenAPI document iterate the
// registry (all_kinds()); nothing outside a kind's own files names a kind.
//
// Adding a kind: docs/architecture.md, "Adding an aggregate kind".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.h"
#include "domain/status.h"
#include "domain/time.h"

namespace aftercare {

struct MasterSpec;  // domain/master_data.h

// One aggregate's state, typed by its kind. The runtime holds it behind
// this interface; only the kind's own code sees the concrete type.
class AggregateState {
 public:
  virtual ~AggregateState() = default;
  // The state after `e`. An error means the event does not fit the state
  // (the log is corrupt or the code is wrong), never a business rule.
  virtual Status apply(std::string_view id, const Event& e) = 0;
  // The canonical JSON of the state: what the write side stores and what a
  // view of the aggregate shows.
  virtual std::string to_json() const = 0;
  virtual std::unique_ptr<AggregateState> clone() const = 0;
};

// An event type a kind emits at its current version, and how its older
// versions read (upcast one version at a time).
struct EventSpec {
  std::string_view name;  // "opened"
  int version = 1;        // the version decide() writes
  // upcasts[v - 1] turns the data of version v into version v + 1.
  std::vector<Result<std::string> (*)(const std::string&)> upcasts = {};
};

// A moment an aggregate waits for (an offer's expiry, an SLA breach, a
// reminder). When it passes, the timer issues the kind's deadline command.
struct Deadline {
  std::string name;  // unique within the aggregate: "required_by", "respond_by"
  Timestamp due;
  bool operator==(const Deadline&) const = default;
};

struct KindSpec {
  std::string_view name;        // "request"
  // The topic its events go to ("aftercare.requests"). One topic per kind
  // keeps an aggregate's events in partition order (docs/architecture.md).
  std::string_view topic;
  std::vector<EventSpec> events;
  // The state of an aggregate that does not exist yet, and the state a JSON
  // snapshot (to_json()) describes.
  std::unique_ptr<AggregateState> (*empty_state)() = nullptr;
  Result<std::unique_ptr<AggregateState>> (*state_from_json)(std::string_view json) = nullptr;
  // The Kafka key of the aggregate's events given its state after them;
  // null = the aggregate id. Dispatches and visits are keyed by their request.
  std::string (*partition_key)(std::string_view id, const AggregateState& state) = nullptr;
  const MasterSpec* master = nullptr;  // set for records upserted whole over PUT
  // A valid history of one aggregate of this kind, varied by `seed` (its
  // events as decide() writes them). The registry tests (tests/kinds_test.cc)
  // fold it through the typed state and through the JSON codec, for every
  // kind, so a kind is tested without tests of its own.
  std::vector<Event> (*example)(uint64_t seed) = nullptr;
  // The deadlines an aggregate in `state` waits for (null: the kind has
  // none). One deadline index and one timer loop serve every kind
  // (commands/deadline_timer.h).
  std::vector<Deadline> (*deadlines)(const AggregateState& state) = nullptr;
  // What the kind decides when `deadline` has passed, at `now`. Must ignore
  // a deadline the state no longer waits for: the timer may fire one twice.
  Decision (*deadline_passed)(const AggregateState& state, std::string_view id, const Deadline& deadline,
                              Timestamp now) = nullptr;
};

// A handle on a registered kind: cheap to copy, compared by identity.
class AggregateKind {
 public:
  explicit AggregateKind(const KindSpec& spec) : spec_(&spec) {}
  const KindSpec& spec() const { return *spec_; }
  std::string_view name() const { return spec_->name; }
  std::string_view topic() const { return spec_->topic; }
  const MasterSpec* master() const { return spec_->master; }
  // The event's current version, or nullopt when the kind emits no such event.
  const EventSpec* event(std::string_view name) const;
  // `state`: after the events (null: none yet).
  std::string partition_key(std::string_view id, const AggregateState* state) const;
  bool operator==(const AggregateKind& o) const { return spec_ == o.spec_; }

 private:
  const KindSpec* spec_;
};

// The refusals of commands sent with an Idempotency-Key (aftercare.commands).
AggregateKind command_kind();

// "<kind>/<id>": an aggregate's key, as its events' subject names it.
std::string aggregate_key(AggregateKind kind, std::string_view id);

// Every registered kind, in registration order (domain/kinds/kinds.inc).
const std::vector<AggregateKind>& all_kinds();
std::optional<AggregateKind> kind_named(std::string_view name);
// The topics some registered kind writes to, without repeats, in first-use order.
std::vector<std::string_view> registered_topics();

// The state of aggregate `id` (JSON, "" for a new one) after `e`.
Result<std::string> fold(AggregateKind k, std::string_view id, const std::string& state_json, const Event& e);

// The same, with the deadlines the aggregate waited for before `e` and waits for after it.
struct FoldedWithDeadlines {
  std::string state;
  std::vector<Deadline> before, after;
};
Result<FoldedWithDeadlines> fold_with_deadlines(AggregateKind k, std::string_view id, const std::string& state_json,
                                                const Event& e);

// The kind's decision when `deadline` of aggregate `id` in `state` (null:
// it does not exist) has passed.
Decision decide_deadline(AggregateKind k, std::string_view id, const AggregateState* state, const Deadline& deadline,
                         Timestamp now);
// The same from the state's JSON ("" for a new aggregate).
Decision decide_deadline(AggregateKind k, std::string_view id, const std::string& state_json, const Deadline& deadline,
                         Timestamp now);

// Implements AggregateState for a kind whose state is a value type `S` with
// free functions `Status apply(S&, id, e)` and `std::string to_json(const S&)`.
template <class S, Status (*Apply)(S&, std::string_view, const Event&), std::string (*ToJson)(const S&)>
class StateOf final : public AggregateState {
 public:
  StateOf() = default;
  explicit StateOf(S value) : value(std::move(value)) {}
  Status apply(std::string_view id, const Event& e) override { return Apply(value, id, e); }
  std::string to_json() const override { return ToJson(value); }
  std::unique_ptr<AggregateState> clone() const override { return std::make_unique<StateOf>(value); }
  S value;
};

}  // namespace aftercare
