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
class WriteBatchWithIndex;
}  // namespace rocksdb

namespace aftercare {

// One event as read from the log: where it is, and what it says (upcast).
struct StoredEvent {
  RecordId at;
  std::string key;
  Envelope envelope;
  std::string_view raw;  // the envelope's bytes as stored (what the next prevhash hashes)
};

// The projection's view of the store during one batch: reads see the
// batch's own pending writes. Not thread-safe; lives for one apply() call.
class ProjectionTxn {
 public:
  ProjectionTxn(rocksdb::DB& db, rocksdb::ColumnFamilyHandle& cf, rocksdb::WriteBatchWithIndex& b)
      : db_(db), cf_(cf), batch_(b) {}
  std::optional<std::string> get(std::string_view key);
  void put(std::string_view key, std::string_view value);
  void del(std::string_view key);
  // Adds `delta` to a little-endian int64 counter row (absent = 0).
  void add(std::string_view key, int64_t delta);

 private:
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle& cf_;
  rocksdb::WriteBatchWithIndex& batch_;
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

}  // namespace aftercare
