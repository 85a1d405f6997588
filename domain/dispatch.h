// The dispatch aggregate (api-field.md §Dispatches): one engineer of one
// outlet sent to one request. Its events go to aftercare.dispatches keyed
// by the request id, so a case's dispatches share its request's partition.
//
//   offered ──accept──▶ accepted ──depart──▶ en_route ──arrive──▶ on_site ──finish──▶ finished
//      │  └──decline──▶ declined ◀──decline──┘
//      ├──(accept_within passes)──▶ withdrawn
//      └──cancel (from any open state)──▶ cancelled
//
// A dispatch's id is "<request id>.<n>": the n-th dispatch of the request.
// Two dispatchers who dispatch the same request at once name the same
// aggregate, so the second is refused — a request has at most one open
// dispatch without any lock across aggregates.
//
// The request follows its dispatches through process managers
// (commands/dispatch_process.h), never by one command writing both.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <simdjson.h>

#include "domain/event.h"
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

enum class DispatchStatus { offered, accepted, en_route, on_site, finished, declined, cancelled, withdrawn };

std::string_view dispatch_status_name(DispatchStatus s);
std::optional<DispatchStatus> dispatch_status_from_name(std::string_view name);
bool is_open(DispatchStatus s);  // offered, accepted, en_route or on_site

inline constexpr int64_t kDefaultAcceptWithinMs = 15 * 60'000;  // PT15M
inline constexpr int64_t kMaxAcceptWithinMs = 7 * 24 * 3'600'000LL;

struct PartLine {
  std::string part_no;
  int64_t qty = 0;
  bool operator==(const PartLine&) const = default;
};

struct DispatchState {
  bool exists = false;
  std::string id, request_id;
  DispatchStatus status = DispatchStatus::offered;
  std::string mode;  // "auto" | "manual"
  std::string engineer_id, outlet_id, type, note, region, customer_id;
  std::optional<Timestamp> scheduled_start, scheduled_end;
  std::vector<PartLine> parts;
  // Where its parts are reserved and a needs_parts visit waits for them: the
  // engineer's van, else the outlet's warehouse ("" when neither exists).
  // Decided when offered and stored (v2 of the offered event).
  std::string parts_warehouse_id;
  int64_t accept_within_ms = kDefaultAcceptWithinMs;
  Timestamp offered_at, expires_at;
  // Engineers this request's earlier dispatches went to and who declined or
  // let the offer expire: auto mode does not offer it to them again.
  std::vector<std::string> passed_over;
  // The ranking an auto dispatch chose from (canonical JSON; "" when manual).
  std::string ranking;
  std::string outcome, end_reason;  // finished: its outcome; declined/cancelled/withdrawn: why
  std::optional<Timestamp> accepted_at, departed_at, arrived_at, ended_at;
  Timestamp updated_at;
  bool operator==(const DispatchState&) const = default;
};

std::string dispatch_to_json(const DispatchState& s);
Result<DispatchState> dispatch_from_json(std::string_view json);

// "<request id>.<n>" and back.
std::string dispatch_id(std::string_view request_id, int n);
std::string request_of_dispatch(std::string_view dispatch_id);

// --- commands -------------------------------------------------------------

struct OfferDispatch {
  std::string request_id, mode, engineer_id, outlet_id, type, note, region, customer_id;
  std::optional<Timestamp> scheduled_start, scheduled_end;
  std::vector<PartLine> parts;
  std::string parts_warehouse_id;
  int64_t accept_within_ms = kDefaultAcceptWithinMs;
  std::vector<std::string> passed_over;
  std::string ranking;  // canonical JSON of the ranking (auto), "" (manual)
};
struct AcceptDispatch {};
struct DeclineDispatch { std::string reason; };
struct DepartDispatch {};
struct ArriveDispatch {};
// `by`: "engineer" (POST .../finish) or "visit" (its visit completed; the
// visit process manager then moves the request).
struct FinishDispatch { std::string outcome, notes; int64_t work_minutes = 0; std::string by = "engineer"; };
struct CancelDispatch { std::string reason; };
// The request left `assigned` on its own (reported, not attended, cancelled):
// an open dispatch ends with it. `because` is the request's event.
struct RequestMovedOn { std::string because, outcome; int64_t work_minutes = 0; };
// Issued by the timer loop when the offer's accept_within has passed.
struct OfferExpired { Timestamp due; };

using DispatchCommand = std::variant<OfferDispatch, AcceptDispatch, DeclineDispatch, DepartDispatch, ArriveDispatch,
                                     FinishDispatch, CancelDispatch, RequestMovedOn, OfferExpired>;

Decision decide_dispatch(const DispatchState& s, const std::string& id, const DispatchCommand& cmd, Timestamp now);
Status apply_dispatch(DispatchState& s, const std::string& id, const Event& e);

// The body of POST /v1/dispatches/{id}/<action> (accept, decline, depart,
// arrive, finish, cancel): invalid_argument for wrong types, unprocessable
// for missing fields or bad values; not_found for another action.
Result<DispatchCommand> decode_dispatch_action(std::string_view action, simdjson::dom::element body);

// An ISO 8601 duration of days, hours, minutes and seconds ("PT15M",
// "P1DT2H"), in ms; nullopt when it is not one or is not positive.
std::optional<int64_t> parse_iso_duration(std::string_view text);
std::string format_iso_duration(int64_t ms);

// The typed state of a dispatch aggregate (null: it does not exist yet).
class AggregateState;
const DispatchState& dispatch_state(const AggregateState* state);
AggregateKind dispatch_kind();

}  // namespace aftercare
