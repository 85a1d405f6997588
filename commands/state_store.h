// StateStore: the write side's own state — every aggregate's head (its
// sequence, the hash of its last event, its typed state), every command
// id's outcome, and the one deadline index of every kind — built from the
// log alone. The command path reads and writes it and never waits on the
// read side (docs/architecture.md, "The write side's state").
//
//  - Hot: a bounded cache of typed heads. A command decides on the typed
//    state and the bus remembers the head it wrote once the append is
//    acknowledged: no JSON is parsed or written per event on that path.
//  - Cold: a RocksDB database of its own (DATA/state) with a snapshot row
//    per aggregate, a row per command id, the deadline index and, per
//    partition, the offset the rows cover.
//  - A tailer thread follows the log from those offsets and writes the
//    rows (one JSON snapshot per aggregate per batch). Events the bus did
//    not remember (a failed append that reached the log after all, another
//    writer) are folded there. At start, catch_up() brings the store to the
//    log's end before any command is admitted.
//
// A cached head is evicted only once its snapshot row holds it, so the cold
// copy never lags a head the cache forgot. Thread-safe.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/kind.h"
#include "eventstore/command_record.h"
#include "eventstore/envelope.h"
#include "eventstore/event_log.h"
#include "eventstore/quarantine.h"
#include "eventstore/upcast.h"

namespace aftercare {

struct AggregateHead {
  uint64_t sequence = 0;                         // 0: the aggregate does not exist
  std::string hash = std::string(kGenesisHash);  // chain hash of the last event
  std::shared_ptr<const AggregateState> state;   // null when new; never changed once shared
  // The canonical JSON of the state ("" when new): for answers, not decisions.
  std::string state_json() const { return state ? state->to_json() : std::string(); }
};

// A deadline an aggregate waits for, as the index holds it.
struct DeadlineRow {
  AggregateKind kind;
  std::string id;
  Deadline deadline;
};

struct StateStoreOptions {
  std::string dir;                 // DATA/state
  size_t cache_entries = 200'000;  // typed heads kept in memory (more while the tailer lags)
  size_t max_batch = 512;          // records the tailer folds per write
  std::chrono::milliseconds linger{10};  // the tailer's wait for more records before a short batch
  const Quarantine* quarantine = nullptr;  // records an operator set aside: skipped
};

class StateStore {
 public:
  static Result<std::unique_ptr<StateStore>> open(EventLog& log, StateStoreOptions options);
  ~StateStore();

  // Folds the log up to its end as of now (blocking). Call before admitting commands.
  Status catch_up();
  // Follows the log on a thread of its own from there.
  void start();
  void stop();
  // OK while the tailer folds the log; why it stopped otherwise.
  Status health() const;

  // The head of `id` (sequence 0 when it does not exist). A row that cannot
  // be read is an error, never "new": deciding on an empty head would fork the chain.
  Result<AggregateHead> load(AggregateKind kind, std::string_view id);
  // The head after an acknowledged append (its events are in the log).
  void remember(AggregateKind kind, std::string_view id, AggregateHead head);

  // What an earlier command with this id wrote, if any.
  Result<std::optional<CommandRecord>> find_command(const std::string& command_id);
  void remember_command(const std::string& command_id, CommandRecord record);

  // After an append that failed, the log may still hold some or all of its
  // events (Kafka: a timed-out record can have been written). Until the
  // tailer has folded the log's end of the aggregate's partition, its head
  // is unknown: when_settled() makes the next command wait for that.
  void unsettle(AggregateKind kind, std::string_view id, std::string partition_key);
  // `done` at once when settled, else from the tailer's thread once it is
  // (or with why it could not be, after 5 s).
  void when_settled(AggregateKind kind, std::string_view id, Topic topic, std::function<void(Status)> done);

  // Called with every head that advances — remembered by the bus or folded
  // by the tailer — under the store's lock: it must be quick and must not
  // call the store. Add every observer before catch_up(). For in-memory indexes of the
  // write side (commands/roster.h).
  using HeadObserver = std::function<void(AggregateKind kind, std::string_view id, const AggregateHead& head)>;
  void observe(HeadObserver observer) { observers_.push_back(std::move(observer)); }
  // Every head its rows hold of `kind` (call after catch_up(), before
  // start(): the rows are then complete).
  Status visit_heads(AggregateKind kind, const std::function<void(std::string_view id, const AggregateHead&)>& visit) const;

  // Deadlines in time order from the first: `visit` returns false to stop.
  Status visit_deadlines(const std::function<bool(const DeadlineRow&)>& visit) const;

  // Every head the rows in `dir` hold, read from a frozen image of the
  // directory (a server may be writing it): for `audit --verify-chains`.
  // nullopt when there is no state there. The rows lag the log (they are
  // written after it, without a write-ahead log), never lead it.
  static Result<std::optional<std::vector<ChainHead>>> recorded_heads(const std::string& dir);

  // Offsets the tailer has folded, per partition.
  Position folded() const;
  int64_t cached() const;

 private:
  struct Entry {
    AggregateHead head;
    uint64_t persisted = 0;               // sequence its snapshot row holds
    std::vector<Deadline> deadlines;      // what the index holds for it
    uint64_t command_at = 0;              // the sequence of the last event seen by the tailer
    std::string command;                  // and its command id
    std::list<std::string>::iterator lru;
  };
  struct Waiter {
    TopicPartition tp;
    int64_t offset;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(Status)> done;
  };

  StateStore(EventLog& log, StateStoreOptions options) : log_(log), options_(std::move(options)) {}
  Status open_db();
  Status load_checkpoints();
  // Folds `records` and writes the rows they changed with the checkpoints.
  Status fold_batch(const std::vector<Record>& records);
  // REQUIRES: mu_. The cached entry of `key`, read from its row when absent.
  Result<Entry*> entry(AggregateKind kind, std::string_view key);
  Entry& insert(const std::string& key, Entry e);  // REQUIRES: mu_
  void touch(Entry& e);                             // REQUIRES: mu_
  void evict();                                     // REQUIRES: mu_
  void loop();
  void wake_waiters(bool expire_all);

  EventLog& log_;
  StateStoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<LogReader> reader_;
  std::vector<TopicPartition> partitions_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
  std::list<std::string> lru_;  // front: most recently used
  std::unordered_map<std::string, CommandRecord> commands_;  // remembered, not yet in a row
  std::unordered_map<std::string, std::string> unsettled_;   // aggregate key -> partition key
  std::map<TopicPartition, int64_t> folded_;                 // next offset, per partition
  std::vector<Waiter> waiters_;
  Status error_;
  std::atomic<bool> failed_{false};         // error_ is set (read without the lock)
  std::atomic<size_t> unsettled_count_{0};  // unsettled_.size() (read without the lock)

  std::vector<HeadObserver> observers_;
  void notify(AggregateKind kind, std::string_view id, const AggregateHead& head) const {
    for (const HeadObserver& o : observers_) o(kind, id, head);
  }

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace aftercare
