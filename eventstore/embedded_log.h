// EmbeddedLog: the default EventLog, a durable partitioned log in one
// RocksDB database on this machine. See docs/log-format.md.
//
// Writes go through one appender thread that group-commits everything
// pending into one WriteBatch written with sync=true, so many concurrent
// appends share one fsync. A WriteBatch is one WAL record, which RocksDB
// recovers whole or not at all: no acknowledged append is lost by kill -9,
// and no torn batch is ever visible.
//
// Thread-safe. The destructor completes every queued append first.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_log.h"
#include "eventstore/rocksdb_setup.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace aftercare {

struct EmbeddedLogOptions {
  std::string dir;
  // Partitions of a new log (0: kDefaultPartitions). Reopening with another
  // nonzero count is refused: records would land in other partitions.
  int32_t partitions = 0;
  bool sync = true;                         // false only for benchmarks that say so
  size_t max_group_bytes = 8 << 20;         // one group commit writes at most this much
  // Opens a snapshot of the log as it is now, even while a server writes to
  // it (replay, audit). Appends fail with unavailable.
  bool read_only = false;
  // Recovery after damage (`aftercare recover-log`): keep every record before
  // the first damaged one in the write-ahead log and drop the rest. Without
  // it, only a torn tail (an unacknowledged batch cut short) is tolerated.
  bool keep_records_before_damage = false;
};

class EmbeddedLog final : public EventLog {
 public:
  static Result<std::unique_ptr<EmbeddedLog>> open(const EmbeddedLogOptions& options);
  ~EmbeddedLog() override;

  int32_t partition_count() const override { return partitions_; }
  void append(std::vector<AppendItem> items, AppendDone done) override;
  Status read(TopicPartition tp, int64_t from, size_t max, std::vector<Record>& out) override;
  Result<int64_t> end_offset(TopicPartition tp) override;
  std::unique_ptr<LogReader> open_reader() override;
  Status health() override;
  std::string identity() const override { return "embedded"; }

  // Blocks until an append completes after `seen`, or `wait` passes.
  // Returns the current append epoch (bumped once per group commit).
  uint64_t wait_for_appends(uint64_t seen, std::chrono::milliseconds wait);
  uint64_t append_epoch() const { return epoch_.load(); }

  // Stops accepting appends, completes queued ones, joins the appender.
  void close() override;

 private:
  struct Pending {
    std::vector<AppendItem> items;
    AppendDone done;
    std::chrono::steady_clock::time_point enqueued;
  };

  EmbeddedLog() = default;
  static Result<std::unique_ptr<EmbeddedLog>> open_once(const EmbeddedLogOptions& options);
  Status load_end_offsets();
  void appender_loop();
  void commit_group(std::vector<Pending>& group);
  // After a refused write: true once RocksDB takes writes again.
  bool resume_if_failed();
  std::string failure();
  size_t slot(TopicPartition tp) const {
    return static_cast<size_t>(tp.topic) * partitions_ + tp.partition;
  }

  std::unique_ptr<StoreSnapshot> snapshot_;  // read-only: the image opened (removed last)
  EmbeddedLogOptions options_;
  int32_t partitions_ = 0;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] default (meta), [1] records
  std::unique_ptr<std::atomic<int64_t>[]> end_;        // next offset per slot, published

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool closing_ = false;
  std::thread appender_;

  std::mutex tail_mu_;
  std::condition_variable tail_cv_;
  std::atomic<uint64_t> epoch_{0};
  std::atomic<bool> failed_{false};  // the last write was refused; set and cleared by the appender
  std::string failure_;              // guarded by queue_mu_
  std::chrono::steady_clock::time_point last_resume_;  // appender thread only
};

}  // namespace aftercare
