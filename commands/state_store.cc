#include "commands/state_store.h"

#include <fmt/format.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <unordered_set>

#include "base/log.h"
#include "base/thread_priority.h"
#include "domain/json.h"
#include "eventstore/log_format.h"
#include "eventstore/quarantine.h"
#include "eventstore/rocksdb_setup.h"

namespace aftercare {
namespace {

// Rows: a/<kind>/<id> snapshot, c/<command id> record,
// d/<due ms, 16 hex>/<kind>/<id>/<name> deadline, p/<topic>/<partition>
// next offset folded, and the signature of the log it was built from.
constexpr std::string_view kSignatureKey = "signature";
constexpr int kVersion = 1;

std::string checkpoint_key(TopicPartition tp) {
  return "p/" + std::string(topic_name(tp.topic)) + "/" + std::to_string(tp.partition);
}

std::string deadline_key(std::string_view aggregate_key, const Deadline& d) {
  return fmt::format("d/{:016x}", static_cast<uint64_t>(d.due.ms)) + "/" + std::string(aggregate_key) + "/" + d.name;
}

// d/<16 hex>/<kind>/<id>/<name>; nullopt for a kind no longer registered.
std::optional<DeadlineRow> parse_deadline_key(std::string_view key) {
  if (!key.starts_with("d/") || key.size() < 2 + 17) return std::nullopt;
  const std::string_view hex = key.substr(2, 16);
  uint64_t due = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), due, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  const std::string_view rest = key.substr(2 + 17);
  const size_t a = rest.find('/'), b = rest.rfind('/');  // ids hold no '/'
  if (a == std::string_view::npos || a == b) return std::nullopt;
  auto kind = kind_named(rest.substr(0, a));
  if (!kind) return std::nullopt;
  return DeadlineRow{*kind, std::string(rest.substr(a + 1, b - a - 1)),
                     Deadline{std::string(rest.substr(b + 1)), Timestamp{static_cast<int64_t>(due)}}};
}

std::string encode_snapshot(const AggregateHead& h) {
  JsonWriter w;
  w.begin_object().key("sequence").uinteger(h.sequence).field("hash", h.hash).key("state");
  if (h.state) w.raw(h.state->to_json());
  else w.null();
  return w.end_object().take();
}

// A snapshot row's parts, pointing into `parser`.
struct SnapshotRow {
  uint64_t sequence = 0;
  std::string_view hash;
  simdjson::dom::element state;  // null when the aggregate does not exist
};

Result<SnapshotRow> parse_snapshot(simdjson::dom::parser& parser, std::string_view row) {
  auto root = parse_strict(parser, row);
  if (!root) return Status{Errc::corruption, "state snapshot: " + root.status().message()};
  SnapshotRow r;
  if ((*root)["sequence"].get_uint64().get(r.sequence) || (*root)["hash"].get_string().get(r.hash) ||
      (*root)["state"].get(r.state))
    return Status{Errc::corruption, "state snapshot is incomplete"};
  return r;
}

Result<AggregateHead> decode_snapshot(AggregateKind kind, std::string_view row) {
  thread_local simdjson::dom::parser parser;
  auto parsed = parse_snapshot(parser, row);
  if (!parsed) return parsed.status();
  AggregateHead h;
  h.sequence = parsed->sequence;
  h.hash = parsed->hash;
  if (!parsed->state.is_null()) {
    std::string json;
    write_canonical(parsed->state, json);
    auto typed = kind.spec().state_from_json(json);
    if (!typed) return typed.status();
    h.state = std::shared_ptr<const AggregateState>(std::move(typed).value());
  }
  return h;
}

std::vector<Deadline> deadlines_of(AggregateKind kind, const AggregateHead& h) {
  if (!kind.spec().deadlines || !h.state) return {};
  return kind.spec().deadlines(*h.state);
}

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::open(EventLog& log, StateStoreOptions options) {
  std::unique_ptr<StateStore> store(new StateStore(log, std::move(options)));
  for (std::string_view name : registered_topics()) {
    auto topic = topic_from_name(name);
    if (!topic) return Status{Errc::invalid_argument, "unknown topic " + std::string(name)};
    for (int32_t p = 0; p < log.partition_count(); ++p) store->partitions_.push_back({*topic, p});
  }
  if (Status s = store->open_db(); !s) return s;
  if (Status s = store->load_checkpoints(); !s) return s;
  return store;
}

StateStore::~StateStore() { stop(); }

Status StateStore::open_db() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return {Errc::io_error, "cannot create " + options_.dir + ": " + ec.message()};
  rocksdb::Options o;
  o.create_if_missing = true;
  o.max_total_wal_size = 64 << 20;
  // Most lookups are of command ids never seen and of aggregates not yet
  // created: filters answer them, in the memtable as in the table files,
  // without walking either (a walk of a large memtable showed as 9% of an
  // I/O thread's time under intake).
  o.memtable_whole_key_filtering = true;
  o.memtable_prefix_bloom_size_ratio = 0.02;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  use_service_error_handling(o, "state");
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(o, options_.dir, &raw);
  if (!s.ok()) return from_rocks(s, "opening the write side's state in " + options_.dir);
  db_.reset(raw);
  return Status::ok();
}

Status StateStore::load_checkpoints() {
  // Built from another log (or an older layout): start again from offset 0.
  const std::string signature = "log=" + log_.identity() + ";partitions=" + std::to_string(log_.partition_count()) +
                                ";version=" + std::to_string(kVersion);
  std::string stored;
  auto s = db_->Get(rocksdb::ReadOptions(), kSignatureKey, &stored);
  if (!s.ok() && !s.IsNotFound()) return from_rocks(s, "reading the state's signature");
  if (s.IsNotFound() || stored != signature) {
    if (s.ok()) log_info("state.rebuild", {{"from", stored}, {"to", signature}});
    rocksdb::WriteBatch batch;
    batch.DeleteRange(db_->DefaultColumnFamily(), "", "\xff");
    batch.Put(kSignatureKey, signature);
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = db_->Write(sync, &batch);
    if (!s.ok()) return from_rocks(s, "resetting the state");
  }
  reader_ = log_.open_reader();
  for (const TopicPartition& tp : partitions_) {
    std::string v;
    s = db_->Get(rocksdb::ReadOptions(), checkpoint_key(tp), &v);
    if (!s.ok() && !s.IsNotFound()) return from_rocks(s, "reading a checkpoint");
    const int64_t next = s.ok() && v.size() == 8 ? static_cast<int64_t>(logformat::get_be(v, 0, 8)) : 0;
    auto end = log_.end_offset(tp);
    if (!end) return end.status();
    if (next > *end)
      return {Errc::corruption, "the write side's state in " + options_.dir + " has folded " +
                                    std::string(topic_name(tp.topic)) + "/" + std::to_string(tp.partition) +
                                    " up to offset " + std::to_string(next) + ", but the log ends at " +
                                    std::to_string(*end) + ": the log has lost acknowledged events. Move " +
                                    options_.dir + " aside and start again: the state is rebuilt from the log"};
    folded_[tp] = next;
    reader_->assign(tp, next);
  }
  return Status::ok();
}

Status StateStore::catch_up() {
  std::map<TopicPartition, int64_t> target;
  for (const TopicPartition& tp : partitions_) {
    auto end = log_.end_offset_now(tp);
    if (!end) return end.status();
    target[tp] = *end;
  }
  std::vector<Record> records;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (!error_.is_ok()) return error_;
      bool reached = true;
      for (const auto& [tp, end] : target) reached = reached && folded_[tp] >= end;
      if (reached) return Status::ok();
    }
    records.clear();
    if (Status s = reader_->poll(options_.max_batch, std::chrono::milliseconds(100), records); !s) return s;
    if (records.empty()) continue;
    if (Status s = fold_batch(records); !s) {
      std::lock_guard lock(mu_);
      error_ = s;
      failed_ = true;
      return s;
    }
  }
}

void StateStore::start() {
  stop_ = false;
  thread_ = std::thread([this] {
    run_as_background_thread();  // base/thread_priority.h: the command path comes first
    loop();
  });
}

void StateStore::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Status StateStore::health() const {
  if (!failed_.load(std::memory_order_acquire)) return Status::ok();  // every command asks: no lock
  std::lock_guard lock(mu_);
  return error_;
}

void StateStore::loop() {
  std::vector<Record> records;
  while (!stop_) {
    records.clear();
    if (Status s = reader_->poll(options_.max_batch, std::chrono::milliseconds(100), records); !s) {
      log_warn("state.poll", {{"error", s.to_string()}});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (!records.empty() && records.size() < options_.max_batch && options_.linger.count() > 0) {
      // Nobody waits on the rows (commands read the cache): gather a larger
      // batch, so that a head changed several times is written once and
      // each write's fixed costs are shared by more events.
      std::this_thread::sleep_for(options_.linger);
      if (Status s = reader_->poll(options_.max_batch - records.size(), std::chrono::milliseconds(0), records); !s)
        log_warn("state.poll", {{"error", s.to_string()}});
    }
    if (!records.empty()) {
      if (Status s = fold_batch(records); !s) {
        log_error("state.stopped", {{"error", s.to_string()}});
        {
          std::lock_guard lock(mu_);
          error_ = s;
          failed_ = true;
        }
        wake_waiters(true);
        return;
      }
    }
    wake_waiters(false);
  }
}

Result<StateStore::Entry*> StateStore::entry(AggregateKind kind, std::string_view key) {
  if (auto it = cache_.find(std::string(key)); it != cache_.end()) return &it->second;
  std::string row;
  auto s = db_->Get(rocksdb::ReadOptions(), "a/" + std::string(key), &row);
  if (!s.ok() && !s.IsNotFound()) return from_rocks(s, "reading the state of " + std::string(key));
  Entry e;
  if (s.ok()) {
    auto head = decode_snapshot(kind, row);
    if (!head) return Status{head.status().code(), std::string(key) + ": " + head.status().message()};
    e.head = std::move(head).value();
    e.persisted = e.head.sequence;
    e.deadlines = deadlines_of(kind, e.head);
  }
  return &insert(std::string(key), std::move(e));
}

StateStore::Entry& StateStore::insert(const std::string& key, Entry e) {
  lru_.push_front(key);
  e.lru = lru_.begin();
  return cache_.emplace(key, std::move(e)).first->second;
}

void StateStore::touch(Entry& e) {
  lru_.splice(lru_.begin(), lru_, e.lru);
}

void StateStore::evict() {
  // From the least recently used; a head newer than its row stays (its row
  // is written by the tailer's next batches).
  auto it = lru_.end();
  while (cache_.size() > options_.cache_entries && it != lru_.begin()) {
    --it;
    auto c = cache_.find(*it);
    if (c->second.persisted != c->second.head.sequence || unsettled_.count(*it)) continue;
    cache_.erase(c);
    it = lru_.erase(it);
  }
}

Result<AggregateHead> StateStore::load(AggregateKind kind, std::string_view id) {
  const std::string key = aggregate_key(kind, id);
  std::lock_guard lock(mu_);
  auto e = entry(kind, key);
  if (!e) return Status{Errc::unavailable, "cannot read the aggregate's state: " + e.status().message()};
  touch(**e);
  AggregateHead head = (*e)->head;
  evict();
  return head;
}

void StateStore::remember(AggregateKind kind, std::string_view id, AggregateHead head) {
  const std::string key = aggregate_key(kind, id);
  std::lock_guard lock(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    Entry e;
    e.head = std::move(head);
    // Its row, if any, is older; the deadlines it holds are read when the
    // tailer writes the row (see fold_batch).
    e.persisted = UINT64_MAX;  // unknown until the tailer writes the row
    notify(kind, id, e.head);
    insert(key, std::move(e));
  } else if (head.sequence > it->second.head.sequence) {
    it->second.head = std::move(head);
    notify(kind, id, it->second.head);
    touch(it->second);
  }
}

Result<std::optional<CommandRecord>> StateStore::find_command(const std::string& command_id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = commands_.find(command_id); it != commands_.end()) return std::optional<CommandRecord>(it->second);
  }
  std::string row;
  auto s = db_->Get(rocksdb::ReadOptions(), "c/" + command_id, &row);
  if (s.IsNotFound()) return std::optional<CommandRecord>();
  // A read error must not look like a new command: it would run twice.
  if (!s.ok()) return Status{Errc::unavailable, "cannot read the command index: " + s.ToString()};
  auto record = decode_command_record(row);
  if (!record) return Status{Errc::corruption, "malformed command row for " + command_id};
  return record;
}

void StateStore::remember_command(const std::string& command_id, CommandRecord record) {
  std::lock_guard lock(mu_);
  commands_[command_id] = std::move(record);
}

void StateStore::unsettle(AggregateKind kind, std::string_view id, std::string partition_key) {
  std::lock_guard lock(mu_);
  unsettled_[aggregate_key(kind, id)] = std::move(partition_key);
  unsettled_count_.store(unsettled_.size(), std::memory_order_release);
}

void StateStore::when_settled(AggregateKind kind, std::string_view id, Topic topic,
                              std::function<void(Status)> done) {
  // Nothing unsettled (the rule: appends do not fail): no lock, no key.
  if (unsettled_count_.load(std::memory_order_acquire) == 0) return done(Status::ok());
  const std::string key = aggregate_key(kind, id);
  std::optional<std::string> partition_key;
  {
    std::lock_guard lock(mu_);
    if (auto it = unsettled_.find(key); it != unsettled_.end()) partition_key = it->second;
  }
  // `done` runs the command: never under the lock.
  if (!partition_key) return done(Status::ok());
  const TopicPartition tp{topic, log_.partition_of(*partition_key)};
  auto end = log_.end_offset_now(tp);
  if (!end) return done(end.status());
  auto settled = [this, key, done = std::move(done)](Status s) {
    if (s) {
      std::lock_guard lock(mu_);
      unsettled_.erase(key);
      unsettled_count_.store(unsettled_.size(), std::memory_order_release);
    }
    done(std::move(s));
  };
  {
    std::lock_guard lock(mu_);
    if (folded_[tp] < *end) {
      waiters_.push_back({tp, *end, std::chrono::steady_clock::now() + std::chrono::seconds(5), std::move(settled)});
      return;
    }
  }
  settled(Status::ok());  // without the lock: it runs the next command
}

void StateStore::wake_waiters(bool expire_all) {
  std::vector<std::function<void(Status)>> ok, late;
  Status why;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    why = error_.is_ok() ? Status{Errc::unavailable, "the write side has not folded the log's end yet; retry"} : error_;
    std::erase_if(waiters_, [&](Waiter& w) {
      if (folded_[w.tp] >= w.offset) return ok.push_back(std::move(w.done)), true;
      if (expire_all || now >= w.deadline) return late.push_back(std::move(w.done)), true;
      return false;
    });
  }
  for (auto& d : ok) d(Status::ok());
  for (auto& d : late) d(why);
}

Status StateStore::fold_batch(const std::vector<Record>& records) {
  // Decoded before taking the lock: commands load and remember meanwhile.
  struct Decoded {
    const Record* record;
    Envelope env;
    EventTypeName type;
    AggregateKind kind;
    bool starts_command = false;  // its aggregate's previous event belongs to another command, or there is none
  };
  std::vector<Decoded> events;
  events.reserve(records.size());
  thread_local simdjson::dom::parser parser;
  std::map<TopicPartition, int64_t> next;
  for (const Record& r : records) {
    next[{r.topic, r.partition}] = r.offset + 1;
    if (options_.quarantine && options_.quarantine->contains(r)) continue;  // set aside by an operator
    const std::string at = record_name({r.topic, r.partition, r.offset});
    auto env = decode(r.value, parser);
    if (!env) return {Errc::corruption, "record " + at + " does not decode: " + env.status().message()};
    if (Status s = event_upcasters().upcast(*env); !s) return {s.code(), "record " + at + ": " + s.message()};
    auto type = parse_type(env->type);
    if (!type) return {Errc::corruption, "record " + at + ": " + type.status().message()};
    auto kind = kind_named(type->aggregate);
    if (!kind) return {Errc::corruption, "record " + at + ": unknown aggregate kind " + type->aggregate};
    events.push_back({&r, std::move(env).value(), std::move(type).value(), *kind, false});
  }

  rocksdb::WriteBatch batch;
  struct Written {
    std::string key;
    uint64_t sequence;
    std::vector<Deadline> deadlines;
  };
  std::vector<Written> written;
  std::map<std::string, CommandRecord> commands;
  struct Dirty {
    AggregateKind kind;
    std::string key;
    AggregateHead head;
    std::vector<Deadline> deadlines;  // what the index holds for it
    bool row_unknown;                 // remembered before its row was read
  };
  std::vector<Dirty> dirty;
  {
    std::lock_guard lock(mu_);
    std::vector<std::pair<AggregateKind, std::string>> touched;
    std::unordered_set<std::string> seen;
    for (Decoded& d : events) {
      const Record& r = *d.record;
      const Envelope& env = d.env;
      const std::string key = aggregate_key(d.kind, env.aggregate_id);
      auto e = entry(d.kind, key);
      if (!e) return e.status();
      AggregateHead& head = (*e)->head;
      if (env.sequence == head.sequence + 1 && env.prevhash == head.hash) {
        // Not remembered by the bus (a failed append that reached the log, a restart): fold it.
        std::unique_ptr<AggregateState> state = head.state ? head.state->clone() : d.kind.spec().empty_state();
        if (Status s = state->apply(env.aggregate_id, Event{d.type.event, d.type.version, env.data, env.time}); !s)
          return {s.code(), record_name({r.topic, r.partition, r.offset}) + " does not apply to " + key + ": " + s.message()};
        head = AggregateHead{env.sequence, chain_hash(r.value), std::shared_ptr<const AggregateState>(std::move(state))};
        notify(d.kind, env.aggregate_id, head);
      } else if (env.sequence > head.sequence) {
        return {Errc::corruption, key + ": event " + std::to_string(env.sequence) + " (" +
                                      record_name({r.topic, r.partition, r.offset}) + ") does not follow event " +
                                      std::to_string(head.sequence)};
      }
      // An event at or below the head was remembered by the bus from these
      // very bytes (or folded before): nothing to do. `audit
      // --verify-chains` checks every link of every chain, and that each
      // ends at the head these rows hold.
      if (env.sequence == 1 || ((*e)->command_at == env.sequence - 1 && (*e)->command != env.command_id))
        d.starts_command = true;
      if (env.sequence > (*e)->command_at) {
        (*e)->command_at = env.sequence;
        (*e)->command = env.command_id;
      }
      if (seen.insert(key).second) touched.emplace_back(d.kind, key);
    }
    for (const auto& [kind, key] : touched) {
      const Entry& e = cache_.at(key);
      if (e.persisted == e.head.sequence) continue;
      dirty.push_back({kind, key, e.head, e.deadlines, e.persisted == UINT64_MAX});
    }
  }
  // Serialised without the lock: commands load and remember meanwhile (the
  // states are immutable once shared).
  for (Dirty& d : dirty) {
    std::vector<Deadline> before = std::move(d.deadlines);
    if (d.row_unknown) {
      // Remembered before its row was read: the deadlines the row's state had.
      std::string row;
      auto s = db_->Get(rocksdb::ReadOptions(), "a/" + d.key, &row);
      if (!s.ok() && !s.IsNotFound()) return from_rocks(s, "reading the state of " + d.key);
      before.clear();
      if (s.ok()) {
        auto old = decode_snapshot(d.kind, row);
        if (!old) return old.status();
        before = deadlines_of(d.kind, *old);
      }
    }
    batch.Put("a/" + d.key, encode_snapshot(d.head));
    std::vector<Deadline> now = deadlines_of(d.kind, d.head);
    for (const Deadline& x : before)
      if (std::find(now.begin(), now.end(), x) == now.end()) batch.Delete(deadline_key(d.key, x));
    for (const Deadline& x : now)
      if (std::find(before.begin(), before.end(), x) == before.end()) batch.Put(deadline_key(d.key, x), "");
    written.push_back({d.key, d.head.sequence, std::move(now)});
  }
  // The command index, across the batch's events of one command. Only this
  // thread writes it, so it is read without the lock. A command's events
  // are appended together, so one whose previous event belongs to another
  // command starts there: its record needs no lookup (the common case).
  for (const Decoded& d : events) {
    std::optional<CommandRecord> earlier;
    if (auto it = commands.find(d.env.command_id); it != commands.end()) {
      earlier = it->second;
    } else if (!d.starts_command) {
      std::string row;
      auto s = db_->Get(rocksdb::ReadOptions(), "c/" + d.env.command_id, &row);
      if (!s.ok() && !s.IsNotFound()) return from_rocks(s, "reading the command index");
      if (s.ok()) earlier = decode_command_record(row);
    }
    auto record = next_command_record(d.env, earlier);
    if (!record) return record.status();
    commands[d.env.command_id] = std::move(record).value();
  }
  for (const auto& [id, record] : commands) batch.Put("c/" + id, encode_command_record(record));
  for (const auto& [tp, offset] : next) {
    std::string v;
    logformat::put_be(v, static_cast<uint64_t>(offset), 8);
    batch.Put(checkpoint_key(tp), v);
  }
  // No write-ahead log: rows and checkpoints reach table files together
  // when the memtable is flushed (or the store closed), so a crash leaves an
  // older, consistent pair, and the tailer folds again from that checkpoint.
  rocksdb::WriteOptions no_wal;
  no_wal.disableWAL = true;
  auto s = db_->Write(no_wal, &batch);
  if (!s.ok()) return from_rocks(s, "writing the write side's state");
  std::lock_guard lock(mu_);
  // Only now may these heads be evicted: their rows hold them.
  for (Written& w : written) {
    Entry& e = cache_.at(w.key);
    e.persisted = w.sequence;
    e.deadlines = std::move(w.deadlines);
  }
  for (const auto& [tp, offset] : next) folded_[tp] = offset;
  for (const auto& [id, record] : commands) {
    auto it = commands_.find(id);
    if (it != commands_.end() && it->second.last <= record.last) commands_.erase(it);
  }
  evict();
  return Status::ok();
}

Status StateStore::visit_deadlines(const std::function<bool(const DeadlineRow&)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("d/"); it->Valid() && it->key().starts_with("d/"); it->Next()) {
    auto row = parse_deadline_key(it->key().ToStringView());
    if (!row) continue;  // a kind no longer registered: nobody to decide
    if (!visit(*row)) return Status::ok();
  }
  if (!it->status().ok()) return from_rocks(it->status(), "reading the deadline index");
  return Status::ok();
}

Status StateStore::visit_heads(AggregateKind kind,
                               const std::function<void(std::string_view id, const AggregateHead&)>& visit) const {
  const std::string prefix = "a/" + aggregate_key(kind, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto head = decode_snapshot(kind, it->value().ToStringView());
    if (!head) return head.status();
    visit(it->key().ToStringView().substr(prefix.size()), *head);
  }
  if (!it->status().ok()) return from_rocks(it->status(), "reading the write side's state");
  return Status::ok();
}

Result<std::optional<std::vector<ChainHead>>> StateStore::recorded_heads(const std::string& dir) {
  if (!std::filesystem::exists(dir + "/CURRENT")) return std::optional<std::vector<ChainHead>>();
  std::vector<ChainHead> heads;
  auto snapshot = StoreSnapshot::open(dir, [&](const std::string& image) -> Status {
    heads.clear();
    rocksdb::Options o;
    use_service_error_handling(o, "state");
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::OpenForReadOnly(o, image, &raw);
    if (!s.ok()) return from_rocks(s, "opening the write side's state in " + dir);
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    simdjson::dom::parser parser;
    for (it->Seek("a/"); it->Valid() && it->key().starts_with("a/"); it->Next()) {
      const std::string subject(it->key().ToStringView().substr(2));
      auto row = parse_snapshot(parser, it->value().ToStringView());
      if (!row) return Status{Errc::corruption, "the write side's state row of " + subject + ": " + row.status().message()};
      heads.push_back({subject, row->sequence, std::string(row->hash)});
    }
    if (!it->status().ok()) return from_rocks(it->status(), "reading the write side's state in " + dir);
    return Status::ok();
  });
  if (!snapshot) return snapshot.status();
  return std::optional<std::vector<ChainHead>>(std::move(heads));
}

Position StateStore::folded() const {
  std::lock_guard lock(mu_);
  Position p;
  for (const auto& [tp, next] : folded_) p.advance(tp, next);
  return p;
}

int64_t StateStore::cached() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(cache_.size());
}

}  // namespace aftercare
