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

const EventSpec* AggregateKind::event(std::string_view name) const {
  for (const EventSpec& e : spec_->events)
    if (e.name == name) return &e;
  return nullptr;
}

std::string AggregateKind::partition_key(std::string_view id, std::string_view state_json) const {
  return spec_->partition_key ? spec_->partition_key(id, state_json) : std::string(id);
}

Result<std::string> fold(AggregateKind k, std::string_view id, const std::string& state_json, const Event& e) {
  std::unique_ptr<AggregateState> state;
  if (state_json.empty()) {
    state = k.spec().empty_state();
  } else {
    auto decoded = k.spec().state_from_json(state_json);
    if (!decoded) return decoded.status();
    state = std::move(decoded).value();
  }
  if (Status s = state->apply(id, e); !s) return s;
  return state->to_json();
}

}  // namespace aftercare
