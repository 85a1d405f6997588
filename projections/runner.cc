#include "projections/runner.h"

#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <set>

#include "base/log.h"
#include "base/metrics.h"
#include "base/thread_priority.h"
#include "eventstore/log_format.h"
#include "eventstore/quarantine.h"

namespace aftercare {
namespace {

Counter& quarantine_skips() {
  static Counter& c = metrics().counter("aftercare_quarantined_records_skipped_total",
                                        "Records set aside by an operator that the projections skipped");
  return c;
}

// Adds the time since the last call (or construction) to a counter.
class Stopwatch {
 public:
  void charge(std::atomic<int64_t>& ns) {
    const auto now = std::chrono::steady_clock::now();
    ns.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count(), std::memory_order_relaxed);
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

std::string encode_offset(int64_t v) {
  std::string s;
  logformat::put_be(s, static_cast<uint64_t>(v), 8);
  return s;
}

}  // namespace

ProjectionRunner::ProjectionRunner(EventLog& log, ReadStore& store,
                                   std::vector<Projection*> projections,
                                   const Upcasters& upcasters, RunnerOptions options)
    : log_(log),
      store_(store),
      projections_(std::move(projections)),
      upcasters_(upcasters),
      options_(std::move(options)) {
  partitions_ = consumed_partitions(projections_, log_.partition_count());
  for (auto* p : projections_) {
    uint32_t mask = 0;
    for (Topic t : p->topics()) mask |= 1u << static_cast<unsigned>(t);
    topic_masks_.push_back(mask);
  }
}

std::vector<TopicPartition> consumed_partitions(const std::vector<Projection*>& projections,
                                                int32_t partition_count) {
  std::set<Topic> topics;
  for (auto* p : projections)
    for (Topic t : p->topics()) topics.insert(t);
  std::vector<TopicPartition> out;
  for (Topic t : topics)
    for (int32_t p = 0; p < partition_count; ++p) out.push_back({t, p});
  return out;
}

ProjectionRunner::~ProjectionRunner() { stop(); }

std::string ProjectionRunner::signature(const EventLog& log, const Projection& p) {
  return "log=" + log.identity() + ";partitions=" + std::to_string(log.partition_count()) +
         ";version=" + std::to_string(p.version());
}

bool ProjectionRunner::consumes(size_t i, Topic t) const {
  return topic_masks_[i] & (1u << static_cast<unsigned>(t));
}

Status ProjectionRunner::load_checkpoints() {
  auto& db = store_.db();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  // Each projection on its own: one whose signature changed (a new version,
  // another log) is emptied and starts again from offset 0; the others
  // keep their rows and checkpoints.
  for (auto* p : projections_) {
    std::string stored;
    auto s = db.Get(rocksdb::ReadOptions(), store_.meta(), signature_key(p->name()), &stored);
    if (!s.ok() && !s.IsNotFound()) return {Errc::io_error, s.ToString()};
    const std::string wanted = signature(log_, *p);
    if (s.ok() && stored == wanted) continue;
    log_info("projections.rebuild", {{"projection", std::string(p->name())}, {"from", stored}, {"to", wanted}});
    if (Status st = store_.reset_family(p->name()); !st) return st;
    rocksdb::WriteBatch batch;
    for (const auto& tp : partitions_) batch.Delete(store_.meta(), checkpoint_key(p->name(), tp));
    batch.Put(store_.meta(), signature_key(p->name()), wanted);
    s = db.Write(sync, &batch);
    if (!s.ok()) return {Errc::io_error, s.ToString()};
  }
  families_.clear();  // reset_family() replaced handles
  for (auto* p : projections_) families_.push_back(store_.family(p->name()));
  std::lock_guard lock(mu_);
  checkpoints_.assign(projections_.size(), {});
  applied_.clear();
  for (const auto& tp : partitions_) {
    int64_t least = INT64_MAX;
    for (size_t i = 0; i < projections_.size(); ++i) {
      if (!consumes(i, tp.topic)) continue;
      std::string v;
      auto s = db.Get(rocksdb::ReadOptions(), store_.meta(), checkpoint_key(projections_[i]->name(), tp), &v);
      const int64_t at = s.ok() && v.size() == 8 ? static_cast<int64_t>(logformat::get_be(v, 0, 8)) : 0;
      checkpoints_[i][tp] = at;
      least = std::min(least, at);
    }
    applied_[tp] = least == INT64_MAX ? 0 : least;
    // Read models ahead of the log mean the log lost acknowledged events;
    // going on would give new events offsets the read models never apply.
    int64_t most = 0;
    for (const auto& cp : checkpoints_) {
      auto it = cp.find(tp);
      if (it != cp.end()) most = std::max(most, it->second);
    }
    if (most == 0) continue;
    auto end = log_.end_offset(tp);
    if (!end) return end.status();
    if (most > *end)
      return {Errc::corruption,
              "the read models in " + store_.dir() + " have applied " + std::string(topic_name(tp.topic)) + "/" +
                  std::to_string(tp.partition) + " up to offset " + std::to_string(most) +
                  ", but the log ends at " + std::to_string(*end) +
                  ": the log has lost acknowledged events (recovered past damage, or restored from an older "
                  "backup). Move " + store_.dir() + " aside and start again: the read models are rebuilt from the log"};
  }
  return Status::ok();
}

std::vector<std::string> ProjectionRunner::stale(ReadStore& store, const EventLog& log,
                                                 const std::vector<Projection*>& projections) {
  std::vector<std::string> out;
  for (auto* p : projections) {
    std::string stored;
    auto s = store.db().Get(rocksdb::ReadOptions(), store.meta(), signature_key(p->name()), &stored);
    if (!s.ok() || stored != signature(log, *p)) out.emplace_back(p->name());
  }
  return out;
}

size_t ProjectionRunner::Pending::bytes() const {
  size_t n = 0;
  for (const auto& r : rows) n += r.bytes;
  return n;
}

Status ProjectionRunner::apply_batch(Pending& pending, const std::vector<Record>& records) {
  simdjson::dom::parser parser;
  if (pending.rows.empty()) {
    for (size_t i = 0; i < projections_.size(); ++i) pending.rows.emplace_back(/*large=*/options_.bulk);
  }
  for (const Record& r : records) {
    const RecordId at{r.topic, r.partition, r.offset};
    if (options_.quarantine && options_.quarantine->contains(r)) {
      // Set aside by an operator: applied as nothing, but the checkpoint moves past it.
      quarantine_skips().inc();
      log_warn("projections.quarantined_record_skipped", {{"record", record_name(at)}});
      pending.next[{r.topic, r.partition}] = r.offset + 1;
      continue;
    }
    auto env = decode(r.value, parser);
    if (!env) {
      return {Errc::corruption, "record " + record_name(at) + " does not decode (" +
                                    env.status().message() + "); " + undecodable_advice(at)};
    }
    StoredEvent ev{at, r.key, std::move(env).value(), r.value};
    if (Status s = upcasters_.upcast(ev.envelope); !s)
      return {s.code(), "record " + record_name(at) + ": " + s.message() + "; " + unapplicable_advice(at)};
    const TopicPartition tp{r.topic, r.partition};
    for (size_t i = 0; i < projections_.size(); ++i) {
      if (!consumes(i, r.topic)) continue;
      if (r.offset < checkpoints_[i].at(tp)) continue;  // applied before (it was not rebuilt)
      if (until_ && r.offset >= until_->at(i).at(tp)) continue;  // beyond what replay --verify compares
      Projection* p = projections_[i];
      ProjectionTxn txn(store_.db(), *families_[i], pending.rows[i]);
      Status s = p->apply(ev, txn);
      if (s && !txn.status()) return txn.status();
      if (!s) {
        return {s.code(), "read model " + std::string(p->name()) + " cannot apply record " +
                              record_name(at) + " (" + s.message() + "); " + unapplicable_advice(at)};
      }
    }
    pending.next[{r.topic, r.partition}] = r.offset + 1;
  }
  pending.events += records.size();
  return Status::ok();
}

namespace {

struct Row {
  std::string_view key;
  const PendingRow* row;
};

// The rows in key order. Sorting views of the keys rather than the map's
// nodes: a comparison then reads the two keys' bytes, not first the nodes.
std::vector<Row> sorted_rows(const PendingRows& pending) {
  std::vector<Row> rows;
  rows.reserve(pending.size());
  pending.for_each([&](std::string_view key, const PendingRow& row) { rows.push_back({key, &row}); });
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  return rows;
}

}  // namespace

Status ProjectionRunner::commit(Pending& pending) {
  if (pending.next.empty()) return Status::ok();
  rocksdb::WriteBatch batch;
  if (options_.bulk) {
    if (Status s = ingest(pending); !s) return s;
  } else {
    // In key order: consecutive memtable inserts then land next to each other.
    for (size_t i = 0; i < pending.rows.size(); ++i) {
      for (const auto& [key, r] : sorted_rows(pending.rows[i])) {
        if (r->op == PendingRow::Op::put) batch.Put(families_[i], key, std::string_view(r->value));
        else if (r->op == PendingRow::Op::del) batch.Delete(families_[i], key);
        else batch.Merge(families_[i], key, std::string_view(r->value));
      }
    }
  }
  // Every projection consuming the partition has now seen up to `next`
  // (those that had applied it already skipped it).
  for (const auto& [tp, next] : pending.next)
    for (size_t i = 0; i < projections_.size(); ++i)
      if (consumes(i, tp.topic) && checkpoints_[i].at(tp) < next)
        batch.Put(store_.meta(), checkpoint_key(projections_[i]->name(), tp), encode_offset(next));
  rocksdb::WriteOptions wo;
  wo.disableWAL = options_.bulk;
  auto s = store_.db().Write(wo, &batch);
  if (!s.ok()) return {Errc::io_error, "writing read models: " + s.ToString()};
  // Counted before waiters wake: one that reached its position sees the count.
  events_applied_.fetch_add(static_cast<int64_t>(pending.events));
  for (const auto& rows : pending.rows) rows_written_.fetch_add(static_cast<int64_t>(rows.size()));
  {
    std::lock_guard lock(mu_);
    for (const auto& [tp, next] : pending.next) {
      for (size_t i = 0; i < projections_.size(); ++i)
        if (consumes(i, tp.topic) && checkpoints_[i].at(tp) < next) checkpoints_[i].at(tp) = next;
      applied_[tp] = std::max(applied_[tp], next);
    }
  }
  applied_cv_.notify_all();
  if (options_.on_batch) options_.on_batch(pending.events);
  pending = Pending();
  return Status::ok();
}

// Rebuild mode: each family's pending rows become one sorted SST file, and
// all of them are ingested in one step. Skips the memtable, which cost more
// than folding the events did.
Status ProjectionRunner::ingest(Pending& pending) {
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (size_t i = 0; i < pending.rows.size(); ++i) {
    if (pending.rows[i].size() == 0) continue;
    const std::string path = store_.dir() + "/bulk-" + std::to_string(++bulk_files_) + ".sst";
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), store_.db().GetOptions(families_[i]), families_[i]);
    rocksdb::Status s = writer.Open(path);
    for (const auto& [key, r] : sorted_rows(pending.rows[i])) {
      if (!s.ok()) break;
      if (r->op == PendingRow::Op::put) s = writer.Put(key, std::string_view(r->value));
      else if (r->op == PendingRow::Op::del) s = writer.Delete(key);
      else s = writer.Merge(key, std::string_view(r->value));
    }
    if (s.ok()) s = writer.Finish();
    if (!s.ok()) return {Errc::io_error, "writing " + path + ": " + s.ToString()};
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = families_[i];
    arg.external_files = {path};
    arg.options.move_files = true;
    args.push_back(std::move(arg));
  }
  if (args.empty()) return Status::ok();
  auto s = store_.db().IngestExternalFiles(args);
  if (!s.ok()) return {Errc::io_error, "ingesting read models: " + s.ToString()};
  return Status::ok();
}

Status ProjectionRunner::start() {
  if (Status s = load_checkpoints(); !s) return s;
  if (!options_.lag_gauge.empty())
    metrics().gauge(options_.lag_gauge, "Events in the log not yet applied to read models",
                    [this] { return static_cast<double>(lag()); });
  thread_ = std::thread([this] {
    run_as_background_thread();  // base/thread_priority.h: the command path comes first
    loop();
  });
  return Status::ok();
}

void ProjectionRunner::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  fire_waiters(true);
}

void ProjectionRunner::loop() {
  auto reader = log_.open_reader();
  {
    std::lock_guard lock(mu_);
    for (const auto& [tp, next] : applied_) reader->assign(tp, next);
  }
  std::vector<Record> records;
  while (!stopping_) {
    records.clear();
    Status s = reader->poll(options_.max_batch, std::chrono::milliseconds(100), records);
    if (s && !records.empty()) s = apply_batch(live_, records);
    if (s && !records.empty()) {
      s = commit(live_);
      if (!s && s.code() == Errc::io_error) s = retry_commit(s);
    }
    fire_waiters(/*expire_only=*/records.empty());
    if (!s) {
      log_error("projections.stopped", {{"error", s.to_string()}});
      set_error(s);
      break;
    }
  }
  // Stopped by an error: nothing will be applied any more, but waiting
  // queries still get their answer (504) when their time is up.
  while (!stopping_) {
    fire_waiters(/*expire_only=*/true);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The read store refused a write (a full disk, most likely). The batch is
// still whole in `live_`, so it is written again once RocksDB takes writes:
// meanwhile the runner reports the error (commands 503, /readyz 503, reads
// go on), and waiting queries expire. Returns ok once written, or the error
// if the runner is stopped first.
Status ProjectionRunner::retry_commit(Status error) {
  log_error("projections.write_failed", {{"error", error.to_string()}, {"retry", "every second"}});
  set_error(error);
  while (!stopping_) {
    for (int i = 0; i < 20 && !stopping_; ++i) {
      fire_waiters(/*expire_only=*/true);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!store_.db().Resume().ok()) continue;  // still refused: Resume() fails until space returns
    if (Status s = commit(live_); !s) {
      if (s.code() != Errc::io_error) return s;
      continue;
    }
    set_error(Status::ok());
    log_info("projections.resumed");
    return Status::ok();
  }
  return error;
}

void ProjectionRunner::set_error(Status s) {
  {
    std::lock_guard lock(mu_);
    error_ = std::move(s);
  }
  applied_cv_.notify_all();
}

Status ProjectionRunner::catch_up(const std::function<void(int64_t)>& progress,
                                  const std::optional<std::map<std::string, Position>>& until) {
  if (Status s = load_checkpoints(); !s) return s;
  if (until) {
    // Per projection, the offsets to stop at (absent: apply nothing).
    until_.emplace(projections_.size());
    for (size_t i = 0; i < projections_.size(); ++i) {
      auto it = until->find(std::string(projections_[i]->name()));
      for (const auto& tp : partitions_) {
        int64_t limit = 0;
        if (it != until->end()) {
          auto e = it->second.entries().find(tp);
          if (e != it->second.entries().end()) limit = e->second;
        }
        (*until_)[i][tp] = limit;
      }
    }
  }
  std::vector<Span> spans;
  for (const auto& tp : partitions_) {
    auto end = log_.end_offset(tp);
    if (!end) return end.status();
    if (until_) {
      int64_t limit = 0;  // the furthest any projection goes
      for (size_t i = 0; i < projections_.size(); ++i)
        if (consumes(i, tp.topic)) limit = std::max(limit, (*until_)[i][tp]);
      if (limit > *end)
        return {Errc::corruption, "the log ends before the position to reach: " + record_name({tp.topic, tp.partition, limit - 1}) +
                                      " was applied to the read models but the log ends at offset " + std::to_string(*end) +
                                      " (the log lost events; see docs/operations.md)"};
      end = limit;
    }
    std::lock_guard lock(mu_);
    if (applied_[tp] < *end) spans.push_back({tp, applied_[tp], *end});
  }
  // Partitions are independent (projection.h's determinism rule), so a
  // rebuild folds them on several threads; the live runner keeps one.
  std::atomic<size_t> next_span{0};
  std::atomic<int64_t> done{0};
  std::mutex mu;  // guards `first_error` and calls of `progress`
  Status first_error;
  auto work = [&] {
    Pending pending;
    std::vector<Record> records;
    for (size_t i = next_span++; i < spans.size(); i = next_span++) {
      Status s = catch_up_span(pending, spans[i], records, [&](size_t n) {
        const int64_t total = done += static_cast<int64_t>(n);
        std::lock_guard lock(mu);
        if (progress) progress(total);
      });
      // A partition's rows are rarely read again once it is done (only
      // counters span partitions): write them out while the map is small.
      Stopwatch watch;
      if (s) s = commit(pending);
      watch.charge(write_ns_);
      if (!s) {
        std::lock_guard lock(mu);
        if (first_error.is_ok()) first_error = s;
        next_span = spans.size();  // the others stop after their current partition
        return;
      }
    }
  };
  const size_t threads = options_.bulk ? std::clamp<size_t>(options_.threads, 1, std::max<size_t>(spans.size(), 1)) : 1;
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < threads; ++i) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  if (!first_error.is_ok()) return first_error;
  if (options_.bulk) {
    // Without the WAL, rows are durable only once flushed.
    std::vector<rocksdb::ColumnFamilyHandle*> all = families_;
    all.push_back(store_.meta());
    auto s = store_.db().Flush(rocksdb::FlushOptions(), all);
    if (!s.ok()) return {Errc::io_error, "flushing read models: " + s.ToString()};
  }
  return Status::ok();
}

ProjectionRunner::Times ProjectionRunner::catch_up_times() const {
  return {static_cast<double>(read_ns_.load()) / 1e9, static_cast<double>(fold_ns_.load()) / 1e9,
          static_cast<double>(write_ns_.load()) / 1e9};
}

Status ProjectionRunner::catch_up_span(Pending& pending, const Span& span, std::vector<Record>& records,
                                       const std::function<void(size_t)>& applied) {
  Stopwatch watch;
  for (int64_t next = span.from; next < span.to;) {
    records.clear();
    const size_t want = static_cast<size_t>(std::min<int64_t>(span.to - next, options_.max_batch));
    if (Status s = log_.read(span.tp, next, want, records); !s) return s;
    if (records.empty()) return {Errc::corruption, "log ended before its end offset"};
    watch.charge(read_ns_);
    if (Status s = apply_batch(pending, records); !s) return s;
    watch.charge(fold_ns_);
    if (!options_.bulk || pending.bytes() >= options_.bulk_flush_bytes) {
      if (Status s = commit(pending); !s) return s;
      watch.charge(write_ns_);
    }
    next = records.back().offset + 1;
    applied(records.size());
  }
  return Status::ok();
}

bool ProjectionRunner::reached(const Position& target) const {
  for (const auto& [tp, next] : target.entries()) {
    auto it = applied_.find(tp);
    if (it == applied_.end() || it->second < next) return false;
  }
  return true;
}

bool ProjectionRunner::wait_for(const Position& target, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return applied_cv_.wait_for(lock, timeout, [&] { return reached(target); });
}

void ProjectionRunner::when_applied(const Position& target, std::chrono::milliseconds timeout,
                                    std::function<void(bool)> done) {
  {
    std::lock_guard lock(mu_);
    if (!reached(target)) {
      waiters_.push_back({target, std::chrono::steady_clock::now() + timeout, std::move(done)});
      return;
    }
  }
  done(true);
}

void ProjectionRunner::fire_waiters(bool expire_only) {
  std::vector<std::pair<std::function<void(bool)>, bool>> ready;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      const bool ok = !expire_only && reached(it->target);
      if (ok || now >= it->deadline || stopping_) {
        ready.emplace_back(std::move(it->done), ok);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& [done, ok] : ready) {
    if (options_.post_callback) options_.post_callback([done = std::move(done), ok = ok] { done(ok); });
    else done(ok);
  }
}

Position ProjectionRunner::applied() const {
  std::lock_guard lock(mu_);
  Position p;
  for (const auto& [tp, next] : applied_) p.advance(tp, next);
  return p;
}

int64_t ProjectionRunner::lag() {
  int64_t total = 0;
  const Position now = applied();
  for (const auto& [tp, next] : now.entries()) {
    auto end = log_.end_offset(tp);
    if (end && *end > next) total += *end - next;
  }
  return total;
}

Status ProjectionRunner::health() const {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace aftercare
