#include "domain/kind.h"

#include <algorithm>

namespace aftercare {

// Each kind's accessor, defined in the kind's own file.
#define KIND(accessor) AggregateKind accessor();
#include "domain/kinds/kinds.inc"
#undef KIND

const std::vector<AggregateKind>& all_kinds() {
  static const std::vector<AggregateKind> kinds = {
#define KIND(accessor) accessor(),
#include "domain/kinds/kinds.inc"
#undef KIND
  };
  return kinds;
}

std::optional<AggregateKind> kind_named(std::string_view name) {
  for (const AggregateKind& k : all_kinds())
    if (k.name() == name) return k;
  return std::nullopt;
}

std::vector<std::string_view> registered_topics() {
  std::vector<std::string_view> out;
  for (const AggregateKind& k : all_kinds())
    if (std::find(out.begin(), out.end(), k.topic()) == out.end()) out.push_back(k.topic());
  return out;
}

std::string aggregate_key(AggregateKind kind, std::string_view id) {
  std::string k(kind.name());
  k.push_back('/');
  k.append(id);
  return k;
}

const EventSpec* AggregateKind::event(std::string_view name) const {
  for (const EventSpec& e : spec_->events)
    if (e.name == name) return &e;
  return nullptr;
}

std::string AggregateKind::partition_key(std::string_view id, const AggregateState* state) const {
  return spec_->partition_key && state ? spec_->partition_key(id, *state) : std::string(id);
}

namespace {

Result<std::unique_ptr<AggregateState>> state_of(AggregateKind k, std::string_view state_json) {
  if (state_json.empty()) return k.spec().empty_state();
  return k.spec().state_from_json(state_json);
}

}  // namespace

Result<std::string> fold(AggregateKind k, std::string_view id, const std::string& state_json, const Event& e) {
  auto state = state_of(k, state_json);
  if (!state) return state.status();
  if (Status s = (*state)->apply(id, e); !s) return s;
  return (*state)->to_json();
}

Result<FoldedWithDeadlines> fold_with_deadlines(AggregateKind k, std::string_view id, const std::string& state_json,
                                                const Event& e) {
  auto state = state_of(k, state_json);
  if (!state) return state.status();
  FoldedWithDeadlines out;
  const auto deadlines = k.spec().deadlines;
  if (deadlines && !state_json.empty()) out.before = deadlines(**state);
  if (Status s = (*state)->apply(id, e); !s) return s;
  if (deadlines) out.after = deadlines(**state);
  out.state = (*state)->to_json();
  return out;
}

Decision decide_deadline(AggregateKind k, std::string_view id, const std::string& state_json, const Deadline& deadline,
                         Timestamp now) {
  if (!k.spec().deadline_passed) return Rejection{Errc::unprocessable, std::string(k.name()) + " has no deadlines", ""};
  auto state = state_of(k, state_json);
  if (!state) return Rejection{state.status().code(), state.status().message(), ""};
  return k.spec().deadline_passed(**state, id, deadline, now);
}

Decision decide_deadline(AggregateKind k, std::string_view id, const AggregateState* state, const Deadline& deadline,
                         Timestamp now) {
  if (!k.spec().deadline_passed) return Rejection{Errc::unprocessable, std::string(k.name()) + " has no deadlines", ""};
  if (state) return k.spec().deadline_passed(*state, id, deadline, now);
  const auto empty = k.spec().empty_state();
  return k.spec().deadline_passed(*empty, id, deadline, now);
}

}  // namespace aftercare
