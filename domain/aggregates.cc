#include "domain/aggregates.h"

#include "domain/master_data.h"
#include "domain/request.h"

namespace aftercare {

std::string_view aggregate_name(AggregateKind k) {
  switch (k) {
    case AggregateKind::request: return "request";
    case AggregateKind::customer: return "customer";
    case AggregateKind::engineer: return "engineer";
    case AggregateKind::unit: return "unit";
    case AggregateKind::command: return "command";
  }
  return "unknown";
}

std::optional<AggregateKind> aggregate_from_name(std::string_view name) {
  for (auto k : {AggregateKind::request, AggregateKind::customer, AggregateKind::engineer,
                 AggregateKind::unit, AggregateKind::command})
    if (aggregate_name(k) == name) return k;
  return std::nullopt;
}

Result<std::string> fold(AggregateKind k, const std::string& id, const std::string& state,
                         const Event& e) {
  switch (k) {
    case AggregateKind::customer:
    case AggregateKind::engineer:
    case AggregateKind::unit:
      // Master records are upserted whole: the newest event is the state.
      if (e.name != "registered" && e.name != "updated")
        return Status{Errc::corruption, "unknown master data event " + e.name};
      if (e.data.size() < 2 || e.data.back() != '}')
        return Status{Errc::corruption, "master data is not an object"};
      return master_state(e.data, e.time);
    case AggregateKind::command:
      if (e.name != "refused" || !state.empty())
        return Status{Errc::corruption, "a command records one refusal, not " + e.name};
      return e.data;
    case AggregateKind::request: {
      RequestState s;
      if (!state.empty()) {
        auto decoded = request_from_json(state);
        if (!decoded) return decoded.status();
        s = std::move(decoded).value();
      }
      if (Status st = apply_request(s, id, e); !st) return st;
      return request_to_json(s);
    }
  }
  return Status{Errc::corruption, "no fold for " + std::string(aggregate_name(k))};
}

}  // namespace aftercare
