// The dispatch as a registered aggregate kind (domain/kind.h): topic
// aftercare.dispatches, keyed by its request, one deadline (the offer's).
#include "domain/dispatch.h"
#include "domain/json.h"
#include "domain/kind.h"

namespace aftercare {
namespace {

Status apply(DispatchState& s, std::string_view id, const Event& e) { return apply_dispatch(s, std::string(id), e); }

using State = StateOf<DispatchState, apply, dispatch_to_json>;

const DispatchState& dispatch_of(const AggregateState& s) { return static_cast<const State&>(s).value; }

// A history driven by seeded commands through decide_dispatch(): refused
// commands leave nothing, so every history is one the service could write.
std::vector<Event> example(uint64_t seed) {
  uint64_t bits = seed * 0x9E3779B97F4A7C15ull + 11;
  auto next = [&bits](uint64_t n) {
    bits = bits * 6364136223846793005ull + 1442695040888963407ull;
    return (bits >> 33) % n;
  };
  const std::string id = dispatch_id("R-1", 1 + static_cast<int>(next(3)));
  DispatchState state;
  std::vector<Event> events;
  Timestamp now{1'700'000'000'000};
  OfferDispatch offer;
  offer.request_id = "R-1";
  offer.mode = next(2) ? "auto" : "manual";
  offer.engineer_id = "E-" + std::to_string(next(5));
  offer.outlet_id = next(2) ? "O-1" : "";
  offer.type = "on_site";
  offer.region = "north";
  offer.customer_id = "C-1";
  if (next(2)) offer.parts = {{"P-" + std::to_string(next(9)), 1 + static_cast<int64_t>(next(3))}};
  if (next(2)) offer.parts_warehouse_id = "VAN-1";
  if (next(2)) offer.passed_over = {"E-9"};
  if (offer.mode == "auto")
    offer.ranking = R"({"considered":3,"excluded":{"off_duty":1},"candidates":[{"engineer_id":"E-1","score":9000,"distance_km":12},{"engineer_id":"E-2","score":8000,"distance_km":0.1}]})";
  offer.accept_within_ms = 60'000 * (1 + static_cast<int64_t>(next(30)));
  for (int step = 0; step < 8; ++step) {
    DispatchCommand cmd = offer;
    if (step > 0) {
      switch (next(9)) {
        case 0: cmd = AcceptDispatch{}; break;
        case 1: cmd = DeclineDispatch{"busy"}; break;
        case 2: cmd = DepartDispatch{}; break;
        case 3: cmd = ArriveDispatch{}; break;
        case 4: cmd = FinishDispatch{"resolved", "done", 45, next(2) ? "engineer" : "visit"}; break;
        case 5: cmd = CancelDispatch{"customer away"}; break;
        case 6: cmd = RequestMovedOn{next(2) ? "reported" : "cancelled", "resolved", 30}; break;
        case 7: cmd = OfferExpired{state.expires_at}; break;
        default: cmd = AcceptDispatch{};
      }
    }
    now.ms += static_cast<int64_t>(next(4)) * 600'000;
    Decision d = decide_dispatch(state, id, cmd, now);
    if (rejected(d)) continue;
    for (Event& e : std::get<std::vector<Event>>(d)) {
      e.time = now;
      if (!apply_dispatch(state, id, e)) return events;
      events.push_back(std::move(e));
    }
  }
  return events;
}

// An offer waits for its acceptance.
std::vector<Deadline> deadlines(const AggregateState& state) {
  const DispatchState& s = dispatch_of(state);
  if (!s.exists || s.status != DispatchStatus::offered) return {};
  return {{"offer_expires", s.expires_at}};
}

Decision deadline_passed(const AggregateState& state, std::string_view id, const Deadline& d, Timestamp now) {
  if (d.name != "offer_expires") return Rejection{Errc::unprocessable, "unknown deadline " + d.name, ""};
  return decide_dispatch(dispatch_of(state), std::string(id), OfferExpired{d.due}, now);
}

// v2 added "parts_warehouse_id" (v1 offers reserved nothing anywhere).
Result<std::string> upcast_offered_v1(const std::string& data) { return with_null_field(data, "parts_warehouse_id"); }

// Keyed by the request: a case's request, dispatch and visit events share a partition.
std::string partition_key(std::string_view id, const AggregateState&) { return request_of_dispatch(id); }

const KindSpec kSpec{
    .name = "dispatch",
    .topic = "aftercare.dispatches",
    .events = {{"offered", 2, {upcast_offered_v1}}, {"accepted"}, {"declined"}, {"departed"}, {"arrived"}, {"finished"}, {"cancelled"},
               {"withdrawn"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      auto s = dispatch_from_json(json);
      if (!s) return s.status();
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s).value()));
    },
    .partition_key = partition_key,
    .master = nullptr,
    .example = example,
    .deadlines = deadlines,
    .deadline_passed = deadline_passed,
};

}  // namespace

const DispatchState& dispatch_state(const AggregateState* state) {
  static const DispatchState none;
  return state ? dispatch_of(*state) : none;
}

AggregateKind dispatch_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
