#include "domain/aggregates.h"

namespace aftercare {

std::string_view aggregate_name(AggregateKind k) {
  switch (k) {
    case AggregateKind::request: return "request";
    case AggregateKind::customer: return "customer";
    case AggregateKind::engineer: return "engineer";
    case AggregateKind::unit: return "unit";
  }
  return "unknown";
}

std::optional<AggregateKind> aggregate_from_name(std::string_view name) {
  for (auto k : {AggregateKind::request, AggregateKind::customer, AggregateKind::engineer,
                 AggregateKind::unit})
    if (aggregate_name(k) == name) return k;
  return std::nullopt;
}

Result<std::string> fold(AggregateKind k, const std::string& state, const Event& e) {
  switch (k) {
    case AggregateKind::customer:
    case AggregateKind::engineer:
    case AggregateKind::unit:
      // Master records are upserted whole: the newest event is the state.
      if (e.name != "registered" && e.name != "updated")
        return Status{Errc::corruption, "unknown master data event " + e.name};
      if (e.data.size() < 2 || e.data.back() != '}')
        return Status{Errc::corruption, "master data is not an object"};
      return e.data.substr(0, e.data.size() - 1) + (e.data.size() > 2 ? "," : "") +
             "\"updated_at\":\"" + format_rfc3339(e.time) + "\"}";
    case AggregateKind::request:
      break;
  }
  (void)state;
  return Status{Errc::corruption, "no fold for " + std::string(aggregate_name(k))};
}

}  // namespace aftercare
