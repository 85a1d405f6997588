#include "commands/aggregate_store.h"

namespace aftercare {

Result<AggregateHead> AggregateStore::load(AggregateKind kind, std::string_view id) {
  const std::string key = aggregate_key(kind, id);
  {
    std::lock_guard lock(mu_);
    auto it = overlay_.find(key);
    if (it != overlay_.end()) return it->second.head;
  }
  // A read error must not look like a new aggregate: deciding on an empty
  // head would write a second sequence 1 and fork the hash chain.
  auto row = store_.get(AggregatesProjection::kName, key);
  if (!row) return Status{Errc::unavailable, "cannot read the aggregate's state: " + row.status().message()};
  if (!*row) return AggregateHead{};
  return decode_head(**row);
}

void AggregateStore::remember(AggregateKind kind, std::string_view id, AggregateHead head,
                              Position written) {
  std::lock_guard lock(mu_);
  overlay_[aggregate_key(kind, id)] = Pending{std::move(head), std::move(written)};
  if (++writes_since_evict_ >= 4096) {
    writes_since_evict_ = 0;
    evict_applied();
  }
}

Result<std::optional<CommandRecord>> AggregateStore::find_command(const std::string& command_id) {
  {
    std::lock_guard lock(mu_);
    auto it = commands_.find(command_id);
    if (it != commands_.end()) return std::optional<CommandRecord>(it->second.record);
  }
  // A read error must not look like a new command: it would run twice.
  auto row = store_.get(EventIndexProjection::kName, "c/" + key_part(command_id));
  if (!row) return Status{Errc::unavailable, "cannot read the command index: " + row.status().message()};
  if (!*row) return std::optional<CommandRecord>();
  auto record = decode_command_record(**row);
  if (!record) return Status{Errc::corruption, "malformed command index row for " + command_id};
  return record;
}

void AggregateStore::remember_command(const std::string& command_id, CommandRecord record,
                                      Position written) {
  std::lock_guard lock(mu_);
  commands_[command_id] = PendingCommand{std::move(record), std::move(written)};
}

void AggregateStore::unsettle(AggregateKind kind, std::string_view id, std::string partition_key) {
  const std::string key = aggregate_key(kind, id);
  std::lock_guard lock(mu_);
  overlay_.erase(key);
  unsettled_[key] = std::move(partition_key);
}

void AggregateStore::when_settled(AggregateKind kind, std::string_view id, EventLog& log, Topic topic,
                                  std::function<void(Status)> done) {
  const std::string key = aggregate_key(kind, id);
  std::optional<std::string> partition_key;
  {
    std::lock_guard lock(mu_);
    if (auto it = unsettled_.find(key); it != unsettled_.end()) partition_key = it->second;
  }
  if (!partition_key) return done(Status::ok());
  const TopicPartition tp{topic, log.partition_of(*partition_key)};
  auto end = log.end_offset_now(tp);
  if (!end) return done(end.status());
  Position target;
  target.advance(tp, *end);
  runner_.when_applied(target, std::chrono::seconds(5), [this, key, done = std::move(done)](bool ok) {
    if (!ok) return done(Status{Errc::unavailable, "the read side has not caught up with the log yet"});
    {
      std::lock_guard lock(mu_);
      unsettled_.erase(key);
    }
    done(Status::ok());
  });
}

void AggregateStore::evict_applied() {
  // REQUIRES: mu_ held. The store now has these heads (or newer ones).
  const Position applied = runner_.applied();
  const auto& done = applied.entries();
  auto applied_all = [&done](const Position& written) {
    for (const auto& [tp, next] : written.entries()) {
      auto d = done.find(tp);
      if (d == done.end() || d->second < next) return false;
    }
    return true;
  };
  std::erase_if(overlay_, [&](const auto& e) { return applied_all(e.second.written); });
  std::erase_if(commands_, [&](const auto& e) { return applied_all(e.second.written); });
}

}  // namespace aftercare
