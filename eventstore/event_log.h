// EventLog: the system of record. An ordered, durable, partitioned log of
// event records, with two implementations: EmbeddedLog (RocksDB, one
// machine) and KafkaLog (librdkafka). Both give the same guarantees:
//
//  - per-partition order: offsets 0, 1, 2 ... with no gaps;
//  - append() is atomic over all its items, across topics: a reader sees
//    all of them or none, and after a crash either all are there or none;
//  - append() completes only once the items are durable;
//  - reads from any offset, and tailing through LogReader without polling.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/status.h"
#include "eventstore/topics.h"

namespace aftercare {

struct AppendItem {
  Topic topic;
  std::string key;    // partition key: the request id for request/dispatch/visit events
  std::string value;  // the encoded envelope
  // CloudEvents `type` and `id` of the envelope: KafkaLog sends them as the
  // ce_type / ce_id headers so consumers can filter without parsing.
  std::string ce_type = {};
  std::string ce_id = {};
};

struct RecordId {
  Topic topic;
  int32_t partition;
  int64_t offset;
};

struct Record {
  Topic topic;
  int32_t partition;
  int64_t offset;
  std::string key;
  std::string value;
};

// A set of log positions: for each partition, the offset just past a
// record. A read model "has reached" a Position when it has applied every
// record before each of those offsets. Rendered as the X-Position token.
class Position {
 public:
  void advance(TopicPartition tp, int64_t next_offset);
  void include(const RecordId& r) { advance({r.topic, r.partition}, r.offset + 1); }
  const std::map<TopicPartition, int64_t>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // Whether this position is at or past `target` in every partition `target` names.
  bool reaches(const Position& target) const {
    for (const auto& [tp, next] : target.entries_) {
      auto it = entries_.find(tp);
      if (next > 0 && (it == entries_.end() || it->second < next)) return false;
    }
    return true;
  }
  // "r3:1043,m1:18" — topic letter, partition, next offset.
  std::string to_token() const;
  static std::optional<Position> from_token(std::string_view token);

 private:
  std::map<TopicPartition, int64_t> entries_;
};

// A consumer's checkpoint file (process managers, webhook deliverers): the
// position token on one line. A missing file is the empty position (the
// consumer has not started); a file that is not a position is corruption.
// Written durably (base/durable_file.h): a crash leaves the old or the new.
Result<Position> read_position_file(const std::string& path);
Status write_position_file(const std::string& path, const Position& p);

class LogReader {
 public:
  virtual ~LogReader() = default;
  // The next record returned for `tp` will be the one at `from`.
  virtual void assign(TopicPartition tp, int64_t from) = 0;
  // Up to `max` records, each partition in offset order. Waits up to `wait`
  // when nothing is available (woken by appends, not by polling).
  virtual Status poll(size_t max, std::chrono::milliseconds wait, std::vector<Record>& out) = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual int32_t partition_count() const = 0;

  using AppendDone = std::function<void(Result<std::vector<RecordId>>)>;
  // Appends `items` atomically and durably. `done` runs once, on a log
  // thread, with the ids in item order; it must not block.
  virtual void append(std::vector<AppendItem> items, AppendDone done) = 0;

  // Up to `max` records of `tp` starting at offset `from`.
  virtual Status read(TopicPartition tp, int64_t from, size_t max, std::vector<Record>& out) = 0;
  // The offset the next record appended to `tp` will get.
  virtual Result<int64_t> end_offset(TopicPartition tp) = 0;
  // The same, asked of the log now: end_offset() may answer from a cache
  // refreshed a moment ago (KafkaLog), this one never does.
  virtual Result<int64_t> end_offset_now(TopicPartition tp) { return end_offset(tp); }

  virtual std::unique_ptr<LogReader> open_reader() = 0;

  // OK while the log accepts appends; the reason otherwise.
  virtual Status health() = 0;

  // Which log this is ("embedded", "kafka:<cluster id>"). Read models
  // remember it: pointed at another log, they are rebuilt from offset 0.
  virtual std::string identity() const = 0;

  // Stops accepting appends and completes (or fails) every queued one.
  virtual void close() {}

  // The partition of `key` in this log.
  int32_t partition_of(std::string_view key) const {
    return partition_for_key(key, partition_count());
  }
};

// append() and wait for its completion.
Result<std::vector<RecordId>> append_and_wait(EventLog& log, std::vector<AppendItem> items);

}  // namespace aftercare
