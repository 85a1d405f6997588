// ProjectionRunner: keeps every read model in step with the event log.
//
// One thread reads all partitions of the topics its projections consume,
// applies each event to each interested projection, and commits the rows
// and the per-partition checkpoints in one WriteBatch — so after a crash it
// resumes exactly after the last committed event (exactly-once).
//
// Each projection has its own signature (its version and the log it was
// built from) and its own checkpoints. On start a projection whose
// signature changed is emptied and rebuilt from offset 0; the others keep
// theirs. The runner reads each partition from the least checkpoint of its
// projections and applies a record only to those that have not applied it.
// serve runs a second runner for read models being rebuilt, so that the
// others (and commands) do not wait for them (docs/architecture.md).
//
// Thread-safe: applied(), wait_for() and lag() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_log.h"
#include "eventstore/quarantine.h"
#include "eventstore/upcast.h"
#include "projections/projection.h"
#include "projections/read_store.h"

namespace aftercare {

struct RunnerOptions {
  size_t max_batch = 2048;  // events read and applied at a time
  // Rebuild mode, for catch_up() into a fresh store: rows are kept in memory
  // across batches and ingested as sorted SST files (no memtable, no WAL)
  // when they pass `bulk_flush_bytes` and at the end of each partition;
  // partitions are folded on `threads` threads. A crash leaves an unusable
  // store, which a rebuild discards anyway.
  bool bulk = false;
  size_t bulk_flush_bytes = size_t{256} << 20;
  size_t threads = 2;  // rebuild mode: partitions folded in parallel
  // Records an operator set aside (eventstore/quarantine.h): skipped, not applied.
  const Quarantine* quarantine = nullptr;
  // Called after each committed batch with its size (tests slow the runner down with it).
  std::function<void(size_t)> on_batch;
  // Runs when_applied() callbacks once their position is reached (a query
  // that waited for X-Min-Position, a command waiting to settle) elsewhere
  // than on the runner's thread, whose next batch would wait behind them:
  // serve posts them to the HTTP server's threads. Empty: on the runner's
  // thread (tools without queries).
  std::function<void(std::function<void()>)> post_callback;
  // The gauge its lag is reported as ("" = none).
  std::string lag_gauge = "aftercare_projection_lag_events";
};

// Every partition of every topic that `projections` consume, in order.
std::vector<TopicPartition> consumed_partitions(const std::vector<Projection*>& projections,
                                                int32_t partition_count);

class ProjectionRunner {
 public:
  ProjectionRunner(EventLog& log, ReadStore& store, std::vector<Projection*> projections,
                   const Upcasters& upcasters, RunnerOptions options = {});
  ~ProjectionRunner();

  // Loads checkpoints (rebuilding if the signature changed) and starts the thread.
  Status start();
  void stop();

  // Applies everything up to the log's current end and returns (used by
  // replay): on the calling thread, or in bulk mode on `threads` threads it
  // joins before returning. Stops at the first error.
  // With `until`, applies exactly up to those offsets (replay --verify uses
  // the live store's checkpoints, so both stores cover the same events).
  // `until`: per projection name, the offsets to stop at.
  Status catch_up(const std::function<void(int64_t applied_events)>& progress = {},
                  const std::optional<std::map<std::string, Position>>& until = std::nullopt);
  // The names of the projections whose stored signature differs from
  // theirs (a new version, another log, never built): they will be rebuilt.
  static std::vector<std::string> stale(ReadStore& store, const EventLog& log,
                                        const std::vector<Projection*>& projections);
  // What a projection's rows were built from: the log, its partition count, the projection's version.
  static std::string signature(const EventLog& log, const Projection& p);
  const std::vector<Projection*>& projections() const { return projections_; }
  // Every partition this runner consumes.
  const std::vector<TopicPartition>& partitions() const { return partitions_; }

  // Waits until every entry of `target` has been applied, or `timeout` passes.
  bool wait_for(const Position& target, std::chrono::milliseconds timeout);
  // Calls `done(true)` once `target` is applied, or `done(false)` after
  // `timeout`; never blocks the caller. `done` may run on the runner thread.
  void when_applied(const Position& target, std::chrono::milliseconds timeout,
                    std::function<void(bool)> done);
  Position applied() const;
  // Events in the log not yet applied (sum over partitions).
  int64_t lag();
  // OK while running; the error that stopped the runner otherwise.
  Status health() const;
  int64_t events_applied() const { return events_applied_.load(); }
  // Rows committed (puts, deletes and counter additions, all read models).
  int64_t rows_written() const { return rows_written_.load(); }
  // Where catch_up()'s time went, summed over its threads: reading the log,
  // decoding and folding events into pending rows, writing those rows.
  struct Times {
    double read = 0, fold = 0, write = 0;  // thread-seconds
  };
  Times catch_up_times() const;

 private:
  struct Waiter {
    Position target;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> done;
  };
  bool reached(const Position& target) const;  // REQUIRES: mu_ held
  void fire_waiters(bool expire_only);
  // Rows applied but not yet written, and the checkpoints they reach.
  struct Pending {
    std::vector<PendingRows> rows;  // per projection
    std::map<TopicPartition, int64_t> next;
    size_t events = 0;
    size_t bytes() const;
  };
  struct Span {
    TopicPartition tp;
    int64_t from = 0, to = 0;
  };
  Status load_checkpoints();
  bool consumes(size_t projection, Topic t) const;
  // Applies `records` to `pending`; commit() writes it with its checkpoints.
  Status apply_batch(Pending& pending, const std::vector<Record>& records);
  Status commit(Pending& pending);
  Status retry_commit(Status error);
  void set_error(Status s);
  Status ingest(Pending& pending);
  Status catch_up_span(Pending& pending, const Span& span, std::vector<Record>& records,
                       const std::function<void(size_t)>& applied);
  void loop();

  EventLog& log_;
  ReadStore& store_;
  std::vector<Projection*> projections_;
  const Upcasters& upcasters_;
  RunnerOptions options_;
  std::vector<TopicPartition> partitions_;  // every partition of every consumed topic
  std::vector<uint32_t> topic_masks_;       // per projection: bit t set if it consumes topic t
  std::vector<rocksdb::ColumnFamilyHandle*> families_;  // per projection
  Pending live_;                                         // the runner thread's
  std::atomic<int64_t> bulk_files_{0};

  mutable std::mutex mu_;
  std::condition_variable applied_cv_;
  std::map<TopicPartition, int64_t> applied_;  // next offset every projection has reached
  // Per projection: its next offset per partition. Entries are made by
  // load_checkpoints() only; values change under mu_.
  std::vector<std::map<TopicPartition, int64_t>> checkpoints_;
  // catch_up(until): per projection, the offsets it stops at.
  std::optional<std::vector<std::map<TopicPartition, int64_t>>> until_;
  Status error_;
  std::vector<Waiter> waiters_;

  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> events_applied_{0};
  std::atomic<int64_t> rows_written_{0};
  std::atomic<int64_t> read_ns_{0}, fold_ns_{0}, write_ns_{0};  // catch_up_times()
  std::thread thread_;
};

}  // namespace aftercare
