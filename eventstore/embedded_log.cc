#include "eventstore/embedded_log.h"
#include "eventstore/wal_check.h"

#include <charconv>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <cassert>

#include "base/log.h"
#include "base/metrics.h"
#include "eventstore/log_metrics.h"
#include "eventstore/log_format.h"
#include "eventstore/rocksdb_setup.h"

namespace aftercare {
namespace {

namespace lf = logformat;

}  // namespace

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::open(const EmbeddedLogOptions& options) {
  if (!options.read_only) return open_once(options);
  std::unique_ptr<EmbeddedLog> log;
  auto snapshot = StoreSnapshot::open(options.dir, [&](const std::string& image) -> Status {
    EmbeddedLogOptions on_image = options;
    on_image.dir = image;
    auto opened = open_once(on_image);
    if (!opened) {
      // Name the log, not its image.
      std::string message = opened.status().message();
      for (size_t at; (at = message.find(image)) != std::string::npos;) message.replace(at, image.size(), options.dir);
      return Status{opened.status().code(), message};
    }
    log = std::move(opened).value();
    return Status::ok();
  });
  if (!snapshot) {
    if (snapshot.status().code() == Errc::not_found) return Status{Errc::not_found, "no event log in " + options.dir};
    return snapshot.status();
  }
  log->snapshot_ = std::move(snapshot).value();
  return log;
}

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::open_once(const EmbeddedLogOptions& options) {
  std::unique_ptr<EmbeddedLog> log(new EmbeddedLog());
  log->options_ = options;
  log_metrics();  // registered up front, so /metrics shows them before the first append

  if (!options.read_only) {
    // Created here so that RocksDB does not log an error for a new log.
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // Acknowledged batches are synced whole, so the only damage a crash can
  // leave is a torn tail: a batch cut short that was never acknowledged.
  // That is dropped; damage anywhere else is refused, because replaying up
  // to it would silently lose the acknowledged batches after it.
  // RocksDB cannot tell the two apart, so find_wal_damage() looks first.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  if (!options.keep_records_before_damage) {
    auto damage = find_wal_damage(options.dir);
    if (!damage) return damage.status();
    if (*damage)
      return Status{Errc::corruption,
                    "the embedded log in " + options.dir + " is damaged before its end (" + (*damage)->file +
                        " at byte " + std::to_string((*damage)->offset) +
                        "); acknowledged events after the damage cannot be read. Restore " + options.dir +
                        " from a backup, or keep the events before the damage with `aftercare recover-log --data "
                        "<data dir>` (it keeps a copy of the damaged log)"};
  }
  db_options.IncreaseParallelism(2);
  // The meta family is written once and never fills a memtable: without a
  // cap, it pins every write-ahead log ever written (a WAL goes only when
  // every family with data in it is flushed), and each open re-reads and
  // re-checks them all (9 s for a million events). Past 64 MiB of WAL,
  // RocksDB flushes the families that hold the oldest one.
  db_options.max_total_wal_size = 64 << 20;
  use_service_error_handling(db_options, "log");
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {lf::kRecordsFamily, rocksdb::ColumnFamilyOptions()}};
  rocksdb::DB* raw = nullptr;
  auto s = options.read_only
               ? rocksdb::DB::OpenForReadOnly(db_options, options.dir, families, &log->handles_, &raw)
               : rocksdb::DB::Open(db_options, options.dir, families, &log->handles_, &raw);
  if (!s.ok()) return from_rocks(s, "opening the embedded log");
  log->db_.reset(raw);

  std::string stored;
  s = log->db_->Get(rocksdb::ReadOptions(), log->handles_[0], lf::kPartitionsKey, &stored);
  if (s.IsNotFound() && options.read_only) {
    return Status{Errc::not_found, "no event log in " + options.dir};
  } else if (s.IsNotFound()) {
    const int32_t partitions = options.partitions ? options.partitions : kDefaultPartitions;
    if (partitions < 1 || partitions > 4096) return Status{Errc::invalid_argument, "partitions must be 1..4096"};
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = log->db_->Put(wo, log->handles_[0], lf::kPartitionsKey, std::to_string(partitions));
    if (!s.ok()) return from_rocks(s, "writing log metadata");
    log->partitions_ = partitions;
  } else if (!s.ok()) {
    return from_rocks(s, "reading log metadata");
  } else {
    int32_t stored_count = 0;
    auto [end, ec] = std::from_chars(stored.data(), stored.data() + stored.size(), stored_count);
    if (ec != std::errc() || end != stored.data() + stored.size() || stored_count < 1 || stored_count > 4096)
      return Status{Errc::corruption, "the partition count recorded in " + options.dir + " is damaged (\"" +
                                          stored.substr(0, 32) + "\"); the log cannot be read safely — restore " +
                                          options.dir + " from a backup"};
    if (options.partitions && options.partitions != stored_count)
      return Status{Errc::invalid_argument, "the log in " + options.dir + " has " + std::to_string(stored_count) +
                                                " partitions; --partitions " + std::to_string(options.partitions) +
                                                " applies only to a new log (drop the flag, or use another --data)"};
    log->partitions_ = stored_count;
  }

  if (Status st = log->load_end_offsets(); !st) return st;
  if (options.read_only) {
    log->closing_ = true;  // appends are refused
  } else {
    log->appender_ = std::thread([l = log.get()] { l->appender_loop(); });
  }
  return log;
}

Status EmbeddedLog::load_end_offsets() {
  const size_t slots = kAllTopics.size() * static_cast<size_t>(partitions_);
  end_.reset(new std::atomic<int64_t>[slots]);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[1]));
  for (Topic t : kAllTopics) {
    for (int32_t p = 0; p < partitions_; ++p) {
      const TopicPartition tp{t, p};
      it->SeekForPrev(lf::record_key(tp, INT64_MAX));
      int64_t next = 0;
      if (it->Valid() && it->key().starts_with(lf::partition_prefix(tp)))
        next = lf::offset_of(it->key().ToStringView()) + 1;
      if (!it->status().ok()) return from_rocks(it->status(), "scanning the log");
      end_[slot(tp)].store(next);
    }
  }
  return Status::ok();
}

EmbeddedLog::~EmbeddedLog() {
  close();
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  if (db_) db_->Close().PermitUncheckedError();
}

void EmbeddedLog::close() {
  {
    std::lock_guard lock(queue_mu_);
    if (closing_ && !appender_.joinable()) return;
    closing_ = true;
  }
  queue_cv_.notify_all();
  if (appender_.joinable()) appender_.join();
}

void EmbeddedLog::append(std::vector<AppendItem> items, AppendDone done) {
  for (const auto& item : items) {
    assert(static_cast<size_t>(item.topic) < kAllTopics.size());
    (void)item;
  }
  {
    std::lock_guard lock(queue_mu_);
    if (!closing_) {
      queue_.push_back(Pending{std::move(items), std::move(done), std::chrono::steady_clock::now()});
      queue_cv_.notify_one();
      return;
    }
  }
  done(Status{Errc::unavailable, "event log closed"});
}

void EmbeddedLog::appender_loop() {
  std::vector<Pending> group;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      // While a write is refused, the appender also wakes once a second to
      // try to resume on its own, so that /readyz turns green when space
      // returns even if no command arrives to find out.
      queue_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty() && closing_) return;  // closing and drained
      size_t bytes = 0;
      while (!queue_.empty() && (group.empty() || bytes < options_.max_group_bytes)) {
        for (const auto& item : queue_.front().items) bytes += item.value.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const bool resumed = resume_if_failed();
    if (group.empty()) continue;
    if (!resumed) {
      // Nothing was written: a plain 503, safe to retry with or without a key.
      const std::string why = failure();
      for (auto& p : group) {
        log_metrics().failures.inc();
        p.done(Status{Errc::unavailable, "the event log cannot write (" + why + "); retry later"});
      }
    } else {
      commit_group(group);
    }
    group.clear();
  }
}

bool EmbeddedLog::resume_if_failed() {
  if (!failed_) return true;
  // RocksDB stops taking writes after one fails; Resume() flushes what it
  // holds (so the write-ahead log with the refused batch is retired) and
  // fails again while the disk is still full. Tried at most twice a second,
  // however many commands arrive meanwhile.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_resume_ < std::chrono::milliseconds(500)) return false;
  last_resume_ = now;
  const rocksdb::Status s = db_->Resume();
  if (!s.ok()) return false;
  {
    std::lock_guard lock(queue_mu_);
    failed_ = false;
    failure_.clear();
  }
  log_info("log.resumed");
  return true;
}

std::string EmbeddedLog::failure() {
  std::lock_guard lock(queue_mu_);
  return failure_;
}

void EmbeddedLog::commit_group(std::vector<Pending>& group) {
  // Offsets are assigned here only: the appender thread is the single writer.
  rocksdb::WriteBatch batch;
  std::vector<std::vector<RecordId>> ids(group.size());
  std::vector<std::pair<size_t, int64_t>> new_ends;
  std::vector<int64_t> next(kAllTopics.size() * partitions_);
  for (size_t i = 0; i < next.size(); ++i) next[i] = end_[i].load();
  size_t record_count = 0;
  for (size_t g = 0; g < group.size(); ++g) {
    for (const auto& item : group[g].items) {
      const TopicPartition tp{item.topic, partition_of(item.key)};
      const int64_t offset = next[slot(tp)]++;
      batch.Put(handles_[1], lf::record_key(tp, offset), lf::record_value(item.key, item.value));
      ids[g].push_back(RecordId{tp.topic, tp.partition, offset});
      ++record_count;
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  const rocksdb::Status s = db_->Write(wo, &batch);
  auto& m = log_metrics();
  if (!s.ok()) {
    // The disk refused the write (full, or failing). Offsets are not
    // advanced, so the next batch reuses them. Whether the refused batch is
    // on disk is not known for certain (a failed fsync may still have
    // written it, and a crash before resuming would recover it), so its
    // clients are told "outcome unknown": a retry with the same
    // Idempotency-Key settles it either way. Later batches wait for
    // resume_if_failed().
    log_error("log.append_failed", {{"error", s.ToString()}});
    {
      std::lock_guard lock(queue_mu_);
      failure_ = s.ToString();
      failed_ = true;
    }
    for (auto& p : group) {
      m.failures.inc();
      p.done(Status{Errc::outcome_unknown, "the event log could not write this command (" + s.ToString() +
                                               "); its outcome is unknown: retry with the same Idempotency-Key"});
    }
    return;
  }
  for (size_t i = 0; i < next.size(); ++i) end_[i].store(next[i]);
  {
    std::lock_guard lock(tail_mu_);
    epoch_.fetch_add(1);
  }
  tail_cv_.notify_all();
  m.groups.inc();
  m.records.inc(record_count);
  const auto now = std::chrono::steady_clock::now();
  for (size_t g = 0; g < group.size(); ++g) {
    m.appends.inc();
    m.latency.observe_us(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - group[g].enqueued).count()));
    group[g].done(std::move(ids[g]));
  }
}

Status EmbeddedLog::read(TopicPartition tp, int64_t from, size_t max, std::vector<Record>& out) {
  if (tp.partition < 0 || tp.partition >= partitions_)
    return {Errc::invalid_argument, "no such partition"};
  const std::string upper = lf::partition_prefix({tp.topic, tp.partition + 1});
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[1]));
  const std::string start = lf::record_key(tp, from);
  size_t n = 0;
  int64_t expected = from;
  for (it->Seek(start); it->Valid() && n < max; it->Next(), ++n) {
    const int64_t offset = lf::offset_of(it->key().ToStringView());
    std::string_view key, value;
    if (offset != expected || !lf::split_value(it->value().ToStringView(), key, value))
      return {Errc::corruption, "embedded log record at offset " + std::to_string(offset)};
    ++expected;
    out.push_back(Record{tp.topic, tp.partition, offset, std::string(key), std::string(value)});
  }
  if (!it->status().ok()) return from_rocks(it->status(), "reading the log");
  return Status::ok();
}

Result<int64_t> EmbeddedLog::end_offset(TopicPartition tp) {
  if (tp.partition < 0 || tp.partition >= partitions_)
    return Status{Errc::invalid_argument, "no such partition"};
  return end_[slot(tp)].load();
}

Status EmbeddedLog::health() {
  std::lock_guard lock(queue_mu_);
  if (failed_) return {Errc::unavailable, "event log cannot write: " + failure_ + " (retrying every second)"};
  if (closing_) return {Errc::unavailable, "event log closed"};
  return Status::ok();
}

uint64_t EmbeddedLog::wait_for_appends(uint64_t seen, std::chrono::milliseconds wait) {
  std::unique_lock lock(tail_mu_);
  tail_cv_.wait_for(lock, wait, [&] { return epoch_.load() != seen; });
  return epoch_.load();
}

namespace {

class EmbeddedReader final : public LogReader {
 public:
  explicit EmbeddedReader(EmbeddedLog& log) : log_(log) {}

  void assign(TopicPartition tp, int64_t from) override { next_[tp] = from; }

  Status poll(size_t max, std::chrono::milliseconds wait, std::vector<Record>& out) override {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const uint64_t epoch = log_.append_epoch();
      const size_t before = out.size();
      for (auto& [tp, next] : next_) {
        if (out.size() - before >= max) break;
        auto end = log_.end_offset(tp);
        if (!end) return end.status();
        if (*end <= next) continue;
        const size_t had = out.size();
        if (Status s = log_.read(tp, next, max - (out.size() - before), out); !s) return s;
        if (out.size() > had) next = out.back().offset + 1;
      }
      if (out.size() > before) return Status::ok();
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return Status::ok();
      log_.wait_for_appends(
          epoch, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                     std::chrono::milliseconds(1));
    }
  }

 private:
  EmbeddedLog& log_;
  std::map<TopicPartition, int64_t> next_;
};

}  // namespace

std::unique_ptr<LogReader> EmbeddedLog::open_reader() {
  return std::make_unique<EmbeddedReader>(*this);
}

}  // namespace aftercare
