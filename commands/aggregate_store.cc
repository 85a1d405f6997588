#include "commands/aggregate_store.h"

namespace aftercare {

Result<AggregateHead> AggregateStore::load(AggregateKind kind, std::string_view id) {
  const std::string key = aggregate_key(kind, id);
  {
    std::lock_guard lock(mu_);
    auto it = overlay_.find(key);
    if (it != overlay_.end()) return it->second.head;
  }
  auto row = store_.get(AggregatesProjection::kName, key);
  if (!row) return AggregateHead{};
  return decode_head(*row);
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

void AggregateStore::evict_applied() {
  // REQUIRES: mu_ held. The store now has these heads (or newer ones).
  const Position applied = runner_.applied();
  const auto& done = applied.entries();
  for (auto it = overlay_.begin(); it != overlay_.end();) {
    bool caught_up = true;
    for (const auto& [tp, next] : it->second.written.entries()) {
      auto d = done.find(tp);
      if (d == done.end() || d->second < next) caught_up = false;
    }
    it = caught_up ? overlay_.erase(it) : std::next(it);
  }
}

}  // namespace aftercare
