// The visit as a registered aggregate kind (domain/kind.h): topic
// aftercare.visits, keyed by its request (a visit's id is its dispatch's).
#include "domain/kind.h"
#include "domain/visit.h"

namespace aftercare {
namespace {

using State = StateOf<VisitState, apply_visit, visit_to_json>;

const VisitState& visit_of(const AggregateState& s) { return static_cast<const State&>(s).value; }

// A history driven by seeded commands through decide_visit(): refused
// commands leave nothing, so every history is one the service could write.
std::vector<Event> example(uint64_t seed) {
  uint64_t bits = seed * 0x9E3779B97F4A7C15ull + 17;
  auto next = [&bits](uint64_t n) {
    bits = bits * 6364136223846793005ull + 1442695040888963407ull;
    return (bits >> 33) % n;
  };
  const std::string id = dispatch_id("R-1", 1 + static_cast<int>(next(3)));
  VisitState state;
  std::vector<Event> events;
  Timestamp now{1'700'000'000'000};
  OpenVisit open{"R-1", id, "E-1", next(2) ? "O-1" : "", "north", "C-1", "on_site", next(2) ? "SN-1" : "", "WM-7",
                 next(3) ? "VAN-1" : ""};
  for (int step = 0; step < 9; ++step) {
    VisitCommand cmd = open;
    if (step > 0) {
      switch (next(5)) {
        case 0:
        case 1: {
          UseParts u{"P-" + std::to_string(next(4)), "VAN-1", 1 + static_cast<int64_t>(next(3)), {}, {}};
          if (next(2)) u.serials_installed = {"S-NEW-" + std::to_string(step)};
          if (next(2)) u.serials_removed = {"S-OLD-" + std::to_string(step)};
          cmd = u;
          break;
        }
        case 2: cmd = SettleIssue{1 + static_cast<int64_t>(next(3)), next(3) != 0, "only 0 available"}; break;
        case 3: {
          CompleteVisit c;
          static constexpr const char* kOutcomes[] = {"fixed", "not_fixed", "needs_parts", "no_fault_found"};
          c.outcome = kOutcomes[next(4)];
          c.work_minutes = static_cast<int64_t>(next(120));
          if (c.outcome == std::string("needs_parts")) c.parts_needed = {{"P-9", 1}, {"P-8", 2}};
          if (next(2)) {
            c.signed_by = "Li Wei";
            c.signed_at = now;
          }
          ChargeInput in;
          in.work_minutes = c.work_minutes;
          in.parts = {{"P-1", 1, 2500, 0}};
          in.dispatch_type = "on_site";
          in.outlet_fee = 8000;
          in.now = now;
          c.charge = charge_for(in);
          cmd = c;
          break;
        }
        default: cmd = NeededPartAvailable{next(2) ? "P-9" : "P-8"};
      }
    }
    now.ms += static_cast<int64_t>(next(4)) * 600'000;
    Decision d = decide_visit(state, id, cmd, now);
    if (rejected(d)) continue;
    for (Event& e : std::get<std::vector<Event>>(d)) {
      e.time = now;
      if (!apply_visit(state, id, e)) return events;
      events.push_back(std::move(e));
    }
  }
  return events;
}

std::string partition_key(std::string_view id, const AggregateState&) { return request_of_dispatch(id); }

const KindSpec kSpec{
    .name = "visit",
    .topic = "aftercare.visits",
    .events = {{"opened"}, {"parts_used"}, {"part_issued"}, {"part_refused"}, {"completed"}, {"part_available"},
               {"parts_ready"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      auto s = visit_from_json(json);
      if (!s) return s.status();
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s).value()));
    },
    .partition_key = partition_key,
    .master = nullptr,
    .example = example,
    .deadlines = nullptr,
    .deadline_passed = nullptr,
};

}  // namespace

const VisitState& visit_state(const AggregateState* state) {
  static const VisitState none;
  return state ? visit_of(*state) : none;
}

AggregateKind visit_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
