#include "projections/read_side.h"

#include <algorithm>

namespace aftercare {

Position restricted_to(const Position& target, const ProjectionRunner& runner) {
  Position out;
  const auto& mine = runner.partitions();
  for (const auto& [tp, next] : target.entries())
    if (std::find(mine.begin(), mine.end(), tp) != mine.end()) out.advance(tp, next);
  return out;
}

void ReadSide::when_applied(const Position& target, std::chrono::milliseconds timeout,
                            std::function<void(bool)> done) {
  if (!rebuilding_) return live_.when_applied(restricted_to(target, live_), timeout, std::move(done));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  live_.when_applied(restricted_to(target, live_), timeout,
                     [this, target, deadline, done = std::move(done)](bool ok) mutable {
                       if (!ok) return done(false);
                       const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                           deadline - std::chrono::steady_clock::now());
                       rebuilding_->when_applied(restricted_to(target, *rebuilding_),
                                                 std::max(left, std::chrono::milliseconds(0)), std::move(done));
                     });
}

Position ReadSide::applied() const {
  const Position live = live_.applied();
  if (!rebuilding_) return live;
  std::map<TopicPartition, int64_t> least(live.entries().begin(), live.entries().end());
  const Position rebuilt = rebuilding_->applied();  // not a temporary: the loop reads into it
  for (const auto& [tp, next] : rebuilt.entries()) {
    auto it = least.find(tp);
    if (it == least.end()) least[tp] = next;
    else it->second = std::min(it->second, next);
  }
  Position out;
  for (const auto& [tp, next] : least) out.advance(tp, next);
  return out;
}

int64_t ReadSide::lag() { return live_.lag() + (rebuilding_ ? rebuilding_->lag() : 0); }

Status ReadSide::health() const {
  if (Status s = live_.health(); !s) return s;
  return rebuilding_ ? rebuilding_->health() : Status::ok();
}

std::string ReadSide::rebuilding() {
  if (!rebuilding_) return "";
  const int64_t lag = rebuilding_->lag();
  if (lag == 0) return "";
  std::string names;
  for (const Projection* p : rebuilding_->projections()) names += (names.empty() ? "" : ", ") + std::string(p->name());
  return names + ": " + std::to_string(lag) + " events to go";
}

}  // namespace aftercare
