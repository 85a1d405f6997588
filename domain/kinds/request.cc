// The request as a registered aggregate kind (domain/kind.h).
#include "domain/dispatch.h"
#include "domain/json.h"
#include "domain/kind.h"
#include "domain/request.h"

namespace aftercare {
namespace {

Status apply(RequestState& s, std::string_view id, const Event& e) { return apply_request(s, std::string(id), e); }

using State = StateOf<RequestState, apply, request_to_json>;

// v1 of a failure event was followed by a separate `locked` event when it
// locked the request; v2 carries the lock itself. So v1 reads as a v2 that
// did not lock.
Result<std::string> add_null_lock_reason(const std::string& data) { return with_null_field(data, "lock_reason"); }

// locked.v1 did not record the deadline that locked the request (and
// `two_failed_attempts`, which only v1 carried, had none).
Result<std::string> add_null_deadline(const std::string& data) { return with_null_field(data, "deadline"); }

// Events before dispatches existed (assigned v1, reported and not_attended
// v2, cancelled v1) followed no dispatch.
Result<std::string> add_null_dispatch(const std::string& data) { return with_null_field(data, "dispatch_id"); }

// A history driven by seeded commands through decide_request(): refused
// commands leave nothing, so every history is one the service could write.
std::vector<Event> example(uint64_t seed) {
  uint64_t bits = seed * 0x9E3779B97F4A7C15ull + 7;
  auto next = [&bits](uint64_t n) {
    bits = bits * 6364136223846793005ull + 1442695040888963407ull;
    return (bits >> 33) % n;
  };
  RequestState state;
  std::vector<Event> events;
  Timestamp now{1'700'000'000'000};
  OpenRequest open;
  open.customer_id = "C-1";
  open.channel = "phone";
  open.type = next(5) == 0 ? "complaint" : "repair";
  open.priority = "normal";
  open.region = "north";
  if (next(2)) open.required_by = Timestamp{now.ms + 3'600'000};
  if (open.type == "complaint") open.complaint = Complaint{2, "quality", Timestamp{now.ms + 7'200'000}, false};
  const std::string outcomes[] = {"resolved", "unresolved", "not_attended"};
  for (int step = 0; step < 16; ++step) {
    RequestCommand cmd = open;
    if (step > 0) {
      switch (next(11)) {
        case 0: cmd = AssignRequest{"E-" + std::to_string(next(3)), "n", next(2) ? dispatch_id("R-1", state.dispatches + 1) : ""}; break;
        case 1: cmd = SuspendRequest{"r"}; break;
        case 2: cmd = ResumeRequest{}; break;
        case 3: cmd = ReportRequest{outcomes[next(3)], "notes", static_cast<int64_t>(next(300)), "", ""}; break;
        case 4: cmd = ResolveRemotely{"n", ""}; break;
        case 5: cmd = RecordCallback{next(2) == 0, std::nullopt, "c"}; break;
        case 6: cmd = UnlockRequest{next(2) ? "reassign" : "close", ""}; break;
        case 7: cmd = CancelRequest{"r"}; break;
        case 8: cmd = DeadlinePassed{"required_by", state.required_by.value_or(Timestamp{})}; break;
        case 9: cmd = ReleaseDispatch{state.dispatch_id, "declined"}; break;
        default: cmd = AssignRequest{"E-1", "", ""};
      }
    }
    now.ms += static_cast<int64_t>(next(4)) * 3'600'000;
    Decision d = decide_request(state, "R-1", cmd, now);
    if (rejected(d)) continue;
    for (Event& e : std::get<std::vector<Event>>(d)) {
      e.time = now;
      if (!apply_request(state, "R-1", e)) return events;
      events.push_back(std::move(e));
    }
  }
  return events;
}

const RequestState& request_of(const AggregateState& s) { return static_cast<const State&>(s).value; }

// What a request waits for: its required_by while awaiting or assigned and
// not yet overdue; a complaint's respond_by while open and not yet overdue.
std::vector<Deadline> deadlines(const AggregateState& state) {
  const RequestState& s = request_of(state);
  std::vector<Deadline> out;
  if (!s.exists) return out;
  const bool waiting = s.status == RequestStatus::awaiting_assignment || s.status == RequestStatus::assigned;
  if (waiting && s.required_by && !s.overdue) out.push_back({"required_by", *s.required_by});
  if (s.complaint && !s.complaint->overdue && is_open(s.status)) out.push_back({"respond_by", s.complaint->respond_by});
  return out;
}

Decision deadline_passed(const AggregateState& state, std::string_view id, const Deadline& d, Timestamp now) {
  return decide_request(request_of(state), std::string(id), DeadlinePassed{d.name, d.due}, now);
}

const KindSpec kSpec{
    .name = "request",
    .topic = "aftercare.requests",
    .events = {{"opened"},
               {"assigned", 2, {add_null_dispatch}},
               {"suspended"},
               {"resumed"},
               {"reported", 3, {add_null_lock_reason, add_null_dispatch}},
               {"not_attended", 3, {add_null_lock_reason, add_null_dispatch}},
               {"locked", 2, {add_null_deadline}},
               {"resolved_remotely"},
               {"callback_recorded"},
               {"unlocked"},
               {"cancelled", 2, {add_null_dispatch}},
               {"complaint_overdue"},
               {"dispatch_released"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      auto s = request_from_json(json);
      if (!s) return s.status();
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s).value()));
    },
    .partition_key = nullptr,
    .master = nullptr,
    .example = example,
    .deadlines = deadlines,
    .deadline_passed = deadline_passed,
};

}  // namespace

const RequestState& request_state(const AggregateState* state) {
  static const RequestState none;
  return state ? request_of(*state) : none;
}

AggregateKind request_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
