// The service request aggregate: the closed-loop lifecycle of seed 002 §4
// and api.md.
//
//   awaiting_assignment ──assign──▶ assigned ──report(resolved)──▶ processed ──callback(satisfied)──▶ closed
//        ▲   │                        │  report(unresolved | not_attended),        │
//        │   │ required_by passes     │  or required_by passes: attempts + 1       │ callback(not satisfied)
//        │   ▼                        ▼  (the second failure locks)                ▼
//        │ locked ◀─────────────── awaiting_assignment ◀──────────────────────────┘
//        └─unlock(reassign)   unlock(close) ──▶ closed
//   suspend / resume from awaiting_assignment and assigned; cancel from any open state.
//
// RequestState is the fold of the request's events; decide() turns a
// command into events or a rejection. Both are pure.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include <simdjson.h>

#include "domain/event.h"
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

enum class RequestStatus { awaiting_assignment, suspended, assigned, locked, processed, closed, cancelled };

std::string_view status_name(RequestStatus s);
std::optional<RequestStatus> status_from_name(std::string_view name);
bool is_open(RequestStatus s);  // neither closed nor cancelled

// Failed handling attempts that lock a request (seed 002 §4: "two attempts").
inline constexpr int kMaxFailedAttempts = 2;

struct Complaint {
  int level = 1;  // 1..3
  std::string handling_unit;
  Timestamp respond_by;
  bool overdue = false;
  bool operator==(const Complaint&) const = default;
};

struct RequestState {
  bool exists = false;
  std::string id;
  RequestStatus status = RequestStatus::awaiting_assignment;
  std::string type, channel, customer_id, serial_no, product_model, problem_code;
  std::string priority, region, description;
  std::optional<Timestamp> required_by;
  bool overdue = false;  // required_by passed while unresolved; its timer has fired
  int attempts = 0;      // failed handling attempts
  std::string engineer_id;
  std::string dispatch_id;  // the dispatch it follows while assigned (domain/dispatch.h)
  int dispatches = 0;       // dispatches it has followed: the next is "<id>.<dispatches + 1>"
  std::string lock_reason;
  std::optional<RequestStatus> suspended_from;
  std::string suspend_reason;  // while suspended
  std::optional<Complaint> complaint;
  Timestamp opened_at, updated_at;
  bool operator==(const RequestState&) const = default;
};

// Canonical JSON of the state: the request view's fields of api.md, in order.
std::string request_to_json(const RequestState& s);
Result<RequestState> request_from_json(std::string_view json);
// The typed state of a request aggregate (domain/kinds/request.cc); null:
// a request that does not exist yet.
class AggregateState;
const RequestState& request_state(const AggregateState* state);

// The request as a registered aggregate kind (domain/kinds/request.cc).
AggregateKind request_kind();

// --- commands -------------------------------------------------------------

struct OpenRequest {
  std::string customer_id, channel, type, serial_no, product_model, problem_code;
  std::string description, priority, region;
  std::optional<Timestamp> required_by;
  bool suspended = false;
  std::optional<Complaint> complaint;
};
// With a dispatch_id, the request follows its dispatch's offer (issued by
// the dispatch process manager): a second delivery changes nothing.
struct AssignRequest { std::string engineer_id, note, dispatch_id; };
struct SuspendRequest { std::string reason; };
// `only_if_reason`: resume only a request suspended for that reason (the
// parts process manager resumes a request awaiting parts, nothing else).
struct ResumeRequest { std::string only_if_reason; };
// A visit needs parts: the request lets its dispatch go and is suspended
// (reason awaiting_parts) until they are at the warehouse. Nothing when it
// no longer follows that dispatch.
struct AwaitParts { std::string dispatch_id; };
// With a dispatch_id, the report of a finished dispatch: nothing when the
// request no longer follows that dispatch.
struct ReportRequest { std::string outcome, notes; int64_t work_minutes = 0; std::string engineer_id, dispatch_id; };
// The dispatch it follows ended (declined, cancelled, withdrawn): back to
// awaiting_assignment without a failed attempt. Nothing when it follows another.
struct ReleaseDispatch { std::string dispatch_id, because; };
struct ResolveRemotely { std::string notes, article_id; };
struct Scores { int attitude = 0, skill = 0, timeliness = 0, resolution = 0, parts_lead_time = 0; };
struct RecordCallback { bool satisfied = false; std::optional<Scores> scores; std::string comment; };
struct UnlockRequest { std::string decision, note; };
struct CancelRequest { std::string reason; };
// Issued by the timer loop when a deadline of the deadline index passes.
struct DeadlinePassed { std::string kind; Timestamp due; };  // kind: required_by | respond_by

using RequestCommand =
    std::variant<OpenRequest, AssignRequest, SuspendRequest, ResumeRequest, ReportRequest,
                 ResolveRemotely, RecordCallback, UnlockRequest, CancelRequest, DeadlinePassed, ReleaseDispatch,
                 AwaitParts>;

// The action name of api.md ("assign", "resolve-remotely", …; "open", "deadline").
std::string_view action_name(const RequestCommand& c);

Decision decide_request(const RequestState& s, const std::string& id, const RequestCommand& cmd,
                        Timestamp now);
// The state after `e`. Errors mean the event does not fit the state: corruption.
Status apply_request(RequestState& s, const std::string& id, const Event& e);

// Decodes an action's JSON body (api.md) into a command. invalid_argument for
// wrong types, unprocessable for missing fields, bad enums or lengths.
Result<RequestCommand> decode_request_command(std::string_view action, simdjson::dom::element body);

}  // namespace aftercare
