// The request as a registered aggregate kind (domain/kind.h).
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

const KindSpec kSpec{
    .name = "request",
    .topic = "aftercare.requests",
    .events = {{"opened"},
               {"assigned"},
               {"suspended"},
               {"resumed"},
               {"reported", 2, {add_null_lock_reason}},
               {"not_attended", 2, {add_null_lock_reason}},
               {"locked", 2, {add_null_deadline}},
               {"resolved_remotely"},
               {"callback_recorded"},
               {"unlocked"},
               {"cancelled"},
               {"complaint_overdue"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      auto s = request_from_json(json);
      if (!s) return s.status();
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s).value()));
    },
};

}  // namespace

AggregateKind request_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
