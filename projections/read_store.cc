#include "projections/read_store.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>

#include "base/ids.h"
#include "base/log.h"
#include "eventstore/rocksdb_setup.h"
#include "projections/projection.h"

namespace aftercare {
namespace {

// Counter rows (ProjectionTxn::add) are written as merges of deltas, so
// adding never reads, and rebuild workers can add to the same row.
class CounterAdd final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& delta,
             std::string* out, rocksdb::Logger*) const override {
    const int64_t base = existing ? decode_counter(existing->ToStringView()) : 0;
    *out = encode_counter(base + decode_counter(delta.ToStringView()));
    return true;
  }
  const char* Name() const override { return "aftercare.CounterAdd"; }
};

rocksdb::ColumnFamilyOptions family_options() {
  static const auto counter_add = std::make_shared<CounterAdd>();
  rocksdb::ColumnFamilyOptions o;
  o.OptimizeForPointLookup(64);
  o.merge_operator = counter_add;
  return o;
}

void hash_row(Sha256Stream& h, std::string_view family, rocksdb::Slice key, rocksdb::Slice value) {
  // Length-prefixed so that ("ab","c") and ("a","bc") hash differently.
  auto field = [&](std::string_view s) {
    const uint64_t n = s.size();
    h.update(std::string_view(reinterpret_cast<const char*>(&n), sizeof n));
    h.update(s);
  };
  field(family);
  field(key.ToStringView());
  field(value.ToStringView());
}

// Keys are mostly text; anything else is shown as \xNN.
std::string printable(rocksdb::Slice key) {
  std::string out;
  for (char c : key.ToStringView()) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto u = static_cast<unsigned char>(c);
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<ReadStore>> ReadStore::open(const std::string& dir,
                                                   const std::vector<std::string>& families,
                                                   bool read_only) {
  if (!read_only) return open_once(dir, families, false);
  std::unique_ptr<ReadStore> store;
  auto snapshot = StoreSnapshot::open(dir, [&](const std::string& image) -> Status {
    auto opened = open_once(image, families, true);
    if (!opened) return opened.status();
    store = std::move(opened).value();
    return Status::ok();
  });
  if (!snapshot) return snapshot.status();
  store->snapshot_ = std::move(snapshot).value();
  store->dir_ = dir;
  return store;
}

Result<std::unique_ptr<ReadStore>> ReadStore::open_once(const std::string& dir,
                                                        const std::vector<std::string>& families,
                                                        bool read_only) {
  std::unique_ptr<ReadStore> store(new ReadStore());
  store->names_ = families;
  store->dir_ = dir;
  if (!read_only) {
    // Created here so that RocksDB does not log an error for a new store.
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  rocksdb::DBOptions options;
  // Small families (the checkpoints) would otherwise pin every write-ahead
  // log until they fill a memtable (see eventstore/embedded_log.cc).
  options.max_total_wal_size = 64 << 20;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  use_service_error_handling(options, "views");

  // Families left over from projections that no longer exist are opened
  // too (RocksDB requires it) and dropped.
  std::vector<std::string> existing;
  rocksdb::DB::ListColumnFamilies(options, dir, &existing).PermitUncheckedError();
  std::vector<rocksdb::ColumnFamilyDescriptor> descs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()}};
  for (const auto& n : families) descs.push_back({n, family_options()});
  std::vector<std::string> stale;
  for (const auto& n : existing) {
    if (n == rocksdb::kDefaultColumnFamilyName) continue;
    if (std::find(families.begin(), families.end(), n) == families.end()) {
      descs.push_back({n, family_options()});
      stale.push_back(n);
    }
  }
  rocksdb::DB* raw = nullptr;
  if (read_only) {
    // Only the families that exist can be opened; a missing one is empty.
    std::vector<rocksdb::ColumnFamilyDescriptor> present = {descs[0]};
    for (size_t i = 1; i < descs.size(); ++i)
      if (std::find(existing.begin(), existing.end(), descs[i].name) != existing.end())
        present.push_back(descs[i]);
    if (present.size() != 1 + families.size())
      return Status{Errc::not_found, "the read store in " + dir + " lacks read models of this version"};
    auto s = rocksdb::DB::OpenForReadOnly(options, dir, present, &store->handles_, &raw);
    if (!s.ok()) return from_rocks(s, "opening the read store");
    store->db_.reset(raw);
    for (size_t i = 1 + families.size(); i < store->handles_.size(); ++i)
      store->db_->DestroyColumnFamilyHandle(store->handles_[i]).PermitUncheckedError();
    store->handles_.resize(1 + families.size());
    return store;
  }
  auto s = rocksdb::DB::Open(options, dir, descs, &store->handles_, &raw);
  if (!s.ok()) return from_rocks(s, "opening the read store");
  store->db_.reset(raw);
  for (size_t i = 1 + families.size(); i < store->handles_.size(); ++i) {
    store->db_->DropColumnFamily(store->handles_[i]).PermitUncheckedError();
    store->db_->DestroyColumnFamilyHandle(store->handles_[i]).PermitUncheckedError();
  }
  store->handles_.resize(1 + families.size());
  store->compactor_ = std::make_unique<Compactor>(*store);
  return store;
}

ReadStore::~ReadStore() {
  compactor_.reset();  // before the handles it compacts through go
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

rocksdb::ColumnFamilyHandle* ReadStore::family(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return handles_[i + 1];
  return nullptr;
}

Result<std::optional<std::string>> ReadStore::get(std::string_view family_name, std::string_view key) const {
  auto* cf = family(family_name);
  if (!cf) return Status{Errc::corruption, "no read model " + std::string(family_name)};
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return from_rocks(s, "reading the read store");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::pair<std::string, std::string>>> ReadStore::scan(std::string_view family_name,
                                                                         std::string_view prefix,
                                                                         std::string_view start,
                                                                         size_t limit) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (limit == 0) return out;
  Status s = visit(family_name, prefix, start, [&](std::string_view key, std::string_view value) {
    out.emplace_back(key, value);
    return out.size() < limit;
  });
  if (!s) return s;
  return out;
}

namespace {

// The smallest key greater than every key starting with `prefix` ("" if none).
std::string prefix_end(std::string_view prefix) {
  std::string upper(prefix);
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  if (!upper.empty()) upper.back() = static_cast<char>(upper.back() + 1);
  return upper;
}

}  // namespace

namespace {

// Deleted rows a scan steps over, counted by RocksDB on the calling thread.
// Tombstones stay in the files until a compaction reaches the bottom level,
// and every scan of their range steps over them again: a status index's
// newest keys are mostly deleted ones after a busy hour (a request leaves
// "awaiting_assignment" minutes after entering it), and one list page
// stepped over 18,000 of them (bench/README.md).
// RocksDB counts per thread, and only while asked to: counting is on for
// the scan and back as it was after it (the thread's point lookups, a view
// query's, are not counted).
class DeletedRowsSkipped {
 public:
  DeletedRowsSkipped() : level_(rocksdb::GetPerfLevel()) {
    if (level_ < rocksdb::PerfLevel::kEnableCount) rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
    start_ = rocksdb::get_perf_context()->internal_delete_skipped_count;
  }
  ~DeletedRowsSkipped() { rocksdb::SetPerfLevel(level_); }
  DeletedRowsSkipped(const DeletedRowsSkipped&) = delete;
  DeletedRowsSkipped& operator=(const DeletedRowsSkipped&) = delete;
  uint64_t count() const { return rocksdb::get_perf_context()->internal_delete_skipped_count - start_; }

 private:
  rocksdb::PerfLevel level_;
  uint64_t start_ = 0;
};

}  // namespace

// Compacts ranges riddled with deleted rows, one at a time, on a thread of
// its own: a scan only notices them and hands the range over. RocksDB's own
// hint (experimental::SuggestCompactRange) was tried first and left the
// tombstones in place for as long as it was measured (20 s, repeated every
// second); a manual compaction forced to the bottom level drops them.
class ReadStore::Compactor {
 public:
  explicit Compactor(ReadStore& store) : store_(store), thread_([this] { run(); }) {}
  ~Compactor() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    store_.db_->DisableManualCompaction();  // a running compaction returns early
    thread_.join();
  }
  // Queues the range unless one is queued already or one ran less than a second ago.
  void request(std::string family, std::string begin, std::string end) {
    {
      std::lock_guard lock(mu_);
      const auto now = std::chrono::steady_clock::now();
      if (job_ || now - last_ < std::chrono::seconds(1)) return;
      last_ = now;
      job_ = Job{std::move(family), std::move(begin), std::move(end)};
    }
    cv_.notify_all();
  }

 private:
  struct Job {
    std::string family, begin, end;
  };
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || job_; });
      if (stopping_) return;
      const Job job = *job_;
      lock.unlock();
      compact(job);
      lock.lock();
      job_.reset();
      last_ = std::chrono::steady_clock::now();
    }
  }
  void compact(const Job& job) {
    // A family's handle changes only when a runner starting up resets it
    // (ProjectionRunner::load_checkpoints), before anything scans it.
    auto* cf = store_.family(job.family);
    if (!cf) return;
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    const rocksdb::Slice begin(job.begin), end(job.end);
    const auto started = std::chrono::steady_clock::now();
    auto s = store_.db_->CompactRange(options, cf, &begin, job.end.empty() ? nullptr : &end);
    log_info("views.compacted", {{"family", job.family}, {"from", job.begin},
                                 {"ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                           std::chrono::steady_clock::now() - started).count())},
                                 {"status", s.ok() ? "ok" : s.ToString()}});
  }

  ReadStore& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<Job> job_;
  std::chrono::steady_clock::time_point last_{};
  std::thread thread_;  // last: starts once the rest is ready
};

void ReadStore::compact_if_riddled(std::string_view name, std::string_view begin, std::string_view end,
                                   uint64_t deleted) const {
  constexpr uint64_t kThreshold = 1000;  // a page of 20 that stepped over 1,000 deleted rows
  if (deleted >= kThreshold && compactor_) compactor_->request(std::string(name), std::string(begin), std::string(end));
}

Status ReadStore::visit(std::string_view family_name, std::string_view prefix, std::string_view start,
                        const std::function<bool(std::string_view, std::string_view)>& row) const {
  auto* cf = family(family_name);
  if (!cf) return {Errc::corruption, "no read model " + std::string(family_name)};
  // The bound stops the iterator at the prefix's end instead of letting it
  // walk on through deleted rows of the next prefix.
  const std::string upper = prefix_end(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
  const std::string_view from = start.empty() ? prefix : start;
  const DeletedRowsSkipped deleted;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    if (!it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
    if (!row(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  if (!it->status().ok()) return from_rocks(it->status(), "reading the read store");
  compact_if_riddled(family_name, prefix, upper, deleted.count());
  return Status::ok();
}

Status ReadStore::visit_merged(std::string_view family_name, const std::vector<std::string>& prefixes,
                               std::string_view after,
                               const std::function<bool(std::string_view suffix)>& row) const {
  auto* cf = family(family_name);
  if (!cf) return {Errc::corruption, "no read model " + std::string(family_name)};
  struct Cursor {
    std::string prefix, upper;
    rocksdb::Slice upper_slice;
    std::unique_ptr<rocksdb::Iterator> it;
    bool valid() const { return it->Valid() && it->key().starts_with(prefix); }
    std::string_view suffix() const { return it->key().ToStringView().substr(prefix.size()); }
  };
  // Once the page is done, a range riddled with deleted rows is handed to
  // the compactor (the prefixes share one key space: the least and the
  // greatest bound it).
  const DeletedRowsSkipped deleted;
  struct Hint {
    const ReadStore& store;
    std::string_view family;
    const std::vector<std::string>& prefixes;
    const DeletedRowsSkipped& deleted;
    ~Hint() {
      if (prefixes.empty()) return;
      auto [lo, hi] = std::minmax_element(prefixes.begin(), prefixes.end());
      store.compact_if_riddled(family, *lo, prefix_end(*hi), deleted.count());
    }
  } hint{*this, family_name, prefixes, deleted};
  std::vector<std::unique_ptr<Cursor>> cursors;
  for (const auto& prefix : prefixes) {
    auto c = std::make_unique<Cursor>();
    c->prefix = prefix;
    c->upper = prefix_end(prefix);
    c->upper_slice = rocksdb::Slice(c->upper);
    rocksdb::ReadOptions ro;
    if (!c->upper.empty()) ro.iterate_upper_bound = &c->upper_slice;
    c->it.reset(db_->NewIterator(ro, cf));
    const std::string from = prefix + std::string(after);
    c->it->Seek(from);
    // `after` itself was on the previous page.
    if (!after.empty() && c->valid() && c->suffix() == after) c->it->Next();
    cursors.push_back(std::move(c));
  }
  for (;;) {
    Cursor* least = nullptr;
    for (auto& c : cursors) {
      if (!c->it->status().ok()) return from_rocks(c->it->status(), "reading the read store");
      if (c->valid() && (!least || c->suffix() < least->suffix())) least = c.get();
    }
    if (!least) return Status::ok();
    if (!row(least->suffix())) return Status::ok();
    least->it->Next();
  }
}

std::string checkpoint_key(std::string_view projection, TopicPartition tp) {
  return "projection/" + std::string(projection) + "/checkpoint/" + std::string(topic_name(tp.topic)) + "/" +
         std::to_string(tp.partition);
}

std::string signature_key(std::string_view projection) {
  return "projection/" + std::string(projection) + "/signature";
}

Position ReadStore::checkpoints(std::string_view projection, const std::vector<TopicPartition>& partitions) const {
  Position p;
  for (const auto& tp : partitions) {
    std::string v;
    if (db_->Get(rocksdb::ReadOptions(), handles_[0], checkpoint_key(projection, tp), &v).ok() &&
        v.size() == 8) {
      uint64_t off = 0;
      for (char c : v) off = (off << 8) | static_cast<uint8_t>(c);
      p.advance(tp, static_cast<int64_t>(off));
    } else {
      p.advance(tp, 0);
    }
  }
  return p;
}

Status ReadStore::reset_family(std::string_view name) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] != name) continue;
    auto*& h = handles_[i + 1];
    auto s = db_->DropColumnFamily(h);
    if (!s.ok()) return from_rocks(s, "dropping a read model");
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    h = nullptr;
    s = db_->CreateColumnFamily(family_options(), names_[i], &h);
    if (!s.ok()) return from_rocks(s, "recreating a read model");
    return Status::ok();
  }
  return {Errc::invalid_argument, "no read model " + std::string(name)};
}

std::map<std::string, std::string> ReadStore::family_digests() const {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < names_.size(); ++i) {
    Sha256Stream h;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[i + 1]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) hash_row(h, names_[i], it->key(), it->value());
    out[names_[i]] = to_hex(h.finish());
  }
  return out;
}

std::string ReadStore::digest() const {
  Sha256Stream h;
  for (const auto& [name, d] : family_digests()) {
    h.update(name);
    h.update(d);
  }
  return to_hex(h.finish());
}

std::optional<std::string> ReadStore::first_difference(const ReadStore& other) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    const std::string& name = names_[i];
    auto* theirs = other.family(name);
    if (!theirs) return "read model " + name + " is missing on one side";
    std::unique_ptr<rocksdb::Iterator> a(db_->NewIterator(rocksdb::ReadOptions(), handles_[i + 1]));
    std::unique_ptr<rocksdb::Iterator> b(other.db_->NewIterator(rocksdb::ReadOptions(), theirs));
    a->SeekToFirst();
    b->SeekToFirst();
    for (; a->Valid() && b->Valid(); a->Next(), b->Next()) {
      if (a->key() != b->key()) {
        const auto first = a->key().compare(b->key()) < 0 ? a->key() : b->key();
        return name + ": row " + printable(first) + " is on one side only";
      }
      if (a->value() != b->value())
        return name + ": row " + printable(a->key()) + " differs";
    }
    if (a->Valid()) return name + ": row " + printable(a->key()) + " is on one side only";
    if (b->Valid()) return name + ": row " + printable(b->key()) + " is on one side only";
  }
  return std::nullopt;
}

}  // namespace aftercare
