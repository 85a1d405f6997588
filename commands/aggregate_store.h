// AggregateStore: the write side's view of every aggregate — its sequence,
// the hash of its last event (the next prevhash), and its state.
//
// Durably it is the "aggregates" projection (projections/aggregates_view.h),
// rebuilt from the log like any read model. Commands must never decide on
// stale state, so the bus also remembers every head it wrote in an
// in-memory overlay until the runner has applied that write; load()
// prefers the overlay.
//
// Thread-safe. Callers serialise commands per aggregate (see Serializer).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "projections/aggregates_view.h"
#include "projections/request_views.h"
#include "projections/read_store.h"
#include "projections/runner.h"

namespace aftercare {

class AggregateStore {
 public:
  AggregateStore(ReadStore& store, ProjectionRunner& runner) : store_(store), runner_(runner) {}

  Result<AggregateHead> load(AggregateKind kind, std::string_view id);
  // OK while the projection runner applies the log; its error once it stopped.
  Status read_side_health() const { return runner_.health(); }
  // Records a head written at `written` (the position of its last event).
  void remember(AggregateKind kind, std::string_view id, AggregateHead head, Position written);

  // What an earlier command with this id wrote, if any (the events index
  // plus the commands written since the runner last caught up).
  Result<std::optional<CommandRecord>> find_command(const std::string& command_id);
  void remember_command(const std::string& command_id, CommandRecord record, Position written);

  // After an append that failed, the log may still hold some or all of its
  // events (Kafka: a timed-out record can have been written). Until the
  // read side has applied everything the log holds for the aggregate, its
  // head is unknown: unsettle() forgets it, and when_settled() makes the
  // next command wait for the log's end of the aggregate's partition.
  // `partition_key`: the key its events were written with.
  void unsettle(AggregateKind kind, std::string_view id, std::string partition_key);
  // `done(ok)` at once when settled, else once settled (or the reason it
  // could not be). `done` may run on the runner's thread.
  void when_settled(AggregateKind kind, std::string_view id, EventLog& log, Topic topic,
                    std::function<void(Status)> done);

 private:
  struct Pending {
    AggregateHead head;
    Position written;
  };
  void evict_applied();

  ReadStore& store_;
  ProjectionRunner& runner_;
  std::mutex mu_;
  std::unordered_map<std::string, Pending> overlay_;
  struct PendingCommand {
    CommandRecord record;
    Position written;
  };
  std::unordered_map<std::string, PendingCommand> commands_;
  size_t writes_since_evict_ = 0;
  std::unordered_map<std::string, std::string> unsettled_;  // aggregate key -> partition key
};

}  // namespace aftercare
