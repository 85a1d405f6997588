// Projection: a read model built by folding the event log.
//
// A projection owns one RocksDB column family (named after it). The runner
// calls apply() for every event of the topics it consumes, in partition
// order, and commits the projection's writes together with the runner's
// checkpoint in one WriteBatch: an event is applied exactly once, even
// across crashes.
//
// Determinism rule (so a rebuild is byte-identical): apply() may use only
// the event and the projection's own rows — never the wall clock — and a
// row's bytes may depend on the order of events of one topic-partition
// only (topics are consumed independently, so their interleaving differs
// between a live run and a replay). Rows fed by several topic-partitions
// must be commutative (counters, sets).
#pragma once

#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "eventstore/envelope.h"
#include "eventstore/event_log.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace aftercare {

// One event as read from the log: where it is, and what it says (upcast).
struct StoredEvent {
  RecordId at;
  std::string key;
  Envelope envelope;
  std::string_view raw;  // the envelope's bytes as stored (what the next prevhash hashes)
};

// One family's writes not yet committed, by key. Not RocksDB's indexed
// batch: the runner reads back nearly every row it writes (a request's
// view, its counters) and needs key order only once, at commit. Not
// std::unordered_map either: a rebuild's batch holds millions of rows, and
// its node chains cost three to four cache misses per lookup, the largest
// single item of replay's time (bench/README.md). Here a lookup reads one
// slot (hash and entry inline) and, on a match, the entry. Entries, keys
// and values live in an arena released at once; a rewritten value leaves
// its old bytes there until the batch is committed (`bytes` counts them).
struct PendingRow {
  enum class Op : uint8_t { put, del, add };
  Op op = Op::put;
  std::pmr::string value;  // put: the row; add: the delta as a counter row (8 bytes LE)
};

class PendingRows {
 public:
  // `large`: a rebuild's batch, in huge pages (base/huge_pages.h).
  explicit PendingRows(bool large = false);
  PendingRows(PendingRows&&) noexcept = default;  // entries stay in place: the arena does not move
  PendingRows& operator=(PendingRows&&) = delete;

  // The row under `key`, or nullptr.
  PendingRow* find(std::string_view key);
  // The row under `key`, created as an empty put if absent (`inserted` says so).
  PendingRow& insert(std::string_view key, bool* inserted = nullptr);
  size_t size() const { return count_; }
  // Calls f(key, row) for every row, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& slot : slots_)
      if (slot.entry) f(slot.entry->key, slot.entry->row);
  }

  size_t bytes = 0;  // approximate: keys and values written, old values included

 private:
  struct Entry {
    std::string_view key;  // bytes in the arena
    PendingRow row;
  };
  struct Slot {
    size_t hash = 0;
    Entry* entry = nullptr;  // nullptr: empty
  };
  Slot* probe(std::string_view key, size_t hash);  // its slot, or the empty one it would go in
  void grow();

  // Declared first: entries point into it. Entries are never destroyed one
  // by one (their strings' memory is the arena's, released with it).
  std::unique_ptr<std::pmr::monotonic_buffer_resource> arena_;
  std::pmr::vector<Slot> slots_;  // open addressing, linear probing; a power of two, at most half full
  size_t count_ = 0;
};

// The projection's view of the store during one batch: reads see the
// batch's own pending writes. Not thread-safe; lives for one apply() call.
class ProjectionTxn {
 public:
  ProjectionTxn(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& cf, PendingRows& pending)
      : db_(db), cf_(cf), pending_(pending) {}
  // The row (pending writes first), or nullopt. A read error also answers
  // nullopt but fails the transaction: the runner checks status() after
  // apply() and stops rather than commit rows decided on a row it could not read.
  std::optional<std::string> get(std::string_view key);
  const Status& status() const { return status_; }
  void put(std::string_view key, std::string_view value);
  void del(std::string_view key);
  // Adds `delta` to a little-endian int64 counter row (absent = 0). Does
  // not read: it is committed as a RocksDB merge, so workers rebuilding
  // different partitions can count into the same row.
  void add(std::string_view key, int64_t delta);

 private:
  // The key's pending row, created (as an empty put) if there was none;
  // `created` says which.
  PendingRow& slot(std::string_view key, bool* created = nullptr);
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& cf_;
  PendingRows& pending_;
  Status status_;
};

class Projection {
 public:
  virtual ~Projection() = default;
  // The column family name; stable across versions.
  virtual std::string_view name() const = 0;
  // Bump when apply() changes meaning: the runner then rebuilds from offset 0.
  virtual int version() const = 0;
  virtual std::vector<Topic> topics() const = 0;
  // Errors stop the runner: an event a projection cannot apply is a bug or
  // corruption, and skipping it would make the read model silently wrong.
  virtual Status apply(const StoredEvent& event, ProjectionTxn& txn) = 0;
};

// Counter rows are 8 bytes little-endian; decode one (absent or malformed -> 0).
int64_t decode_counter(std::string_view bytes);
std::string encode_counter(int64_t v);

}  // namespace aftercare
