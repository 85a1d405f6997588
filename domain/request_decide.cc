// decide() for service requests: which command is legal in which state, and
// the events it produces.
#include <type_traits>

#include "domain/json.h"
#include "domain/overloaded.h"
#include "domain/request.h"

namespace aftercare {
namespace {

Rejection illegal(const RequestState& s, std::string_view action) {
  return {Errc::conflict,
          "cannot " + std::string(action) + " a request that is " + std::string(status_name(s.status)),
          std::string(status_name(s.status))};
}

Event event(const char* name, const JsonWriter& data, Timestamp now, int version = 1) {
  return Event{name, version, data.str(), now};
}

// v2 records the deadline that locked the request: the event's own time is
// when the timer fired, which after an outage is later by the outage.
Event locked_at_deadline(Timestamp deadline, Timestamp now) {
  JsonWriter w;
  w.begin_object().field("reason", "not_assigned_in_time").field("deadline", format_rfc3339(deadline)).end_object();
  return event("locked", w, now, 2);
}

void write_optional_time(JsonWriter& w, std::string_view k, const std::optional<Timestamp>& t) {
  w.key(k);
  if (t) w.string(format_rfc3339(*t));
  else w.null();
}

void write_complaint(JsonWriter& w, const std::optional<Complaint>& c) {
  w.key("complaint");
  if (!c) {
    w.null();
    return;
  }
  w.begin_object().key("level").integer(c->level).field("handling_unit", c->handling_unit);
  w.field("respond_by", format_rfc3339(c->respond_by)).end_object();
}

Decision open(const RequestState& s, const OpenRequest& c, Timestamp now) {
  if (s.exists) return Rejection{Errc::conflict, "request already exists", std::string(status_name(s.status))};
  if (c.required_by && *c.required_by <= now)
    return Rejection{Errc::unprocessable, "\"required_by\" is in the past", ""};
  JsonWriter w;
  w.begin_object()
      .field("customer_id", c.customer_id)
      .field("channel", c.channel)
      .field("type", c.type)
      .field("serial_no", c.serial_no)
      .field("product_model", c.product_model)
      .field("problem_code", c.problem_code)
      .field("description", c.description)
      .field("priority", c.priority)
      .field("region", c.region);
  write_optional_time(w, "required_by", c.required_by);
  w.field_bool("suspended", c.suspended);
  write_complaint(w, c.complaint);
  w.end_object();
  return std::vector<Event>{event("opened", w, now)};
}

// A failed attempt locks the request when it is the second. The lock is a
// field of the failure's own event, not a second event: every command
// writes one event, so no log can hold half of a command (docs/architecture.md).
void write_lock_reason(JsonWriter& w, const RequestState& s) {
  w.key("lock_reason");
  if (s.attempts + 1 >= kMaxFailedAttempts) w.string("two_failed_attempts");
  else w.null();
}

// The dispatch a request follows, on the events that end its assignment:
// the dispatch process manager ends that dispatch with it.
void write_dispatch_id(JsonWriter& w, const std::string& dispatch_id) {
  w.key("dispatch_id");
  if (dispatch_id.empty()) w.null();
  else w.string(dispatch_id);
}

Decision report(const RequestState& s, const ReportRequest& c, Timestamp now) {
  if (!c.dispatch_id.empty() && (s.status != RequestStatus::assigned || s.dispatch_id != c.dispatch_id))
    return std::vector<Event>{};  // a finished dispatch the request no longer follows
  if (s.status != RequestStatus::assigned) return illegal(s, "report on");
  JsonWriter w;
  w.begin_object()
      .field("outcome", c.outcome)
      .key("work_minutes").integer(c.work_minutes)
      .field("notes", c.notes)
      .field("engineer_id", s.engineer_id);
  if (c.outcome == "resolved") w.key("lock_reason").null();
  else write_lock_reason(w, s);
  write_dispatch_id(w, s.dispatch_id);
  w.end_object();
  return std::vector<Event>{event("reported", w, now, 3)};
}

Decision callback(const RequestState& s, const RecordCallback& c, Timestamp now) {
  if (s.status != RequestStatus::processed) return illegal(s, "record a callback on");
  JsonWriter w;
  w.begin_object().field_bool("satisfied", c.satisfied).key("scores");
  if (c.scores) {
    w.begin_object()
        .key("attitude").integer(c.scores->attitude)
        .key("skill").integer(c.scores->skill)
        .key("timeliness").integer(c.scores->timeliness)
        .key("resolution").integer(c.scores->resolution)
        .key("parts_lead_time").integer(c.scores->parts_lead_time)
        .end_object();
  } else {
    w.null();
  }
  w.field("comment", c.comment).end_object();
  return std::vector<Event>{event("callback_recorded", w, now)};
}

// The timer's command: stale or early deadlines change nothing, so a timer
// firing twice, or after the request moved on, is harmless.
Decision deadline(const RequestState& s, const DeadlinePassed& c, Timestamp now) {
  if (now < c.due) return std::vector<Event>{};
  JsonWriter w;
  if (c.kind == "required_by") {
    // Once per deadline: a request returned as not attended stays awaiting.
    if (!s.required_by || *s.required_by != c.due || s.overdue) return std::vector<Event>{};
    if (s.status == RequestStatus::awaiting_assignment)
      return std::vector<Event>{locked_at_deadline(c.due, now)};
    if (s.status != RequestStatus::assigned) return std::vector<Event>{};
    w.begin_object().field("deadline", format_rfc3339(c.due));
    write_lock_reason(w, s);
    write_dispatch_id(w, s.dispatch_id);
    w.end_object();
    return std::vector<Event>{event("not_attended", w, now, 3)};
  }
  if (c.kind == "respond_by") {
    if (!s.complaint || s.complaint->overdue || s.complaint->respond_by != c.due || !is_open(s.status))
      return std::vector<Event>{};
    w.begin_object().field("respond_by", format_rfc3339(c.due)).end_object();
    return std::vector<Event>{event("complaint_overdue", w, now)};
  }
  return Rejection{Errc::unprocessable, "unknown deadline kind " + c.kind, ""};
}

JsonWriter one_field(const char* k, const std::string& v) {
  JsonWriter w;
  w.begin_object().field(k, v).end_object();
  return w;
}

}  // namespace

std::string_view action_name(const RequestCommand& c) {
  static constexpr std::string_view kNames[] = {"open",   "assign",           "suspend",
                                                "resume", "report",           "resolve-remotely",
                                                "callback", "unlock",         "cancel",
                                                "deadline", "release-dispatch", "await-parts"};
  return kNames[c.index()];
}

Decision decide_request(const RequestState& s, const std::string& id, const RequestCommand& cmd,
                        Timestamp now) {
  (void)id;
  if (!s.exists && !std::holds_alternative<OpenRequest>(cmd))
    return Rejection{Errc::not_found, "no such request", ""};
  return std::visit(
      Overloaded{
          [&](const OpenRequest& c) { return open(s, c, now); },
          [&](const AssignRequest& c) -> Decision {
            if (!c.dispatch_id.empty() && s.status == RequestStatus::assigned && s.dispatch_id == c.dispatch_id)
              return std::vector<Event>{};  // already following this dispatch
            if (s.status != RequestStatus::awaiting_assignment) return illegal(s, "assign");
            JsonWriter w;
            w.begin_object().field("engineer_id", c.engineer_id).field("note", c.note);
            write_dispatch_id(w, c.dispatch_id);
            w.end_object();
            return std::vector<Event>{event("assigned", w, now, 2)};
          },
          [&](const ReleaseDispatch& c) -> Decision {
            const bool follows = s.dispatch_id == c.dispatch_id &&
                                 (s.status == RequestStatus::assigned ||
                                  (s.status == RequestStatus::suspended && s.suspended_from == RequestStatus::assigned));
            if (!follows) return std::vector<Event>{};
            JsonWriter w;
            w.begin_object().field("dispatch_id", c.dispatch_id).field("engineer_id", s.engineer_id);
            w.field("because", c.because).end_object();
            return std::vector<Event>{event("dispatch_released", w, now)};
          },
          [&](const SuspendRequest& c) -> Decision {
            if (s.status != RequestStatus::awaiting_assignment && s.status != RequestStatus::assigned)
              return illegal(s, "suspend");
            return std::vector<Event>{event("suspended", one_field("reason", c.reason), now)};
          },
          [&](const ResumeRequest& c) -> Decision {
            if (!c.only_if_reason.empty() && (s.status != RequestStatus::suspended || s.suspend_reason != c.only_if_reason))
              return std::vector<Event>{};  // resumed or suspended otherwise meanwhile: not the parts' to resume
            if (s.status != RequestStatus::suspended) return illegal(s, "resume");
            JsonWriter w;
            w.begin_object().end_object();
            return std::vector<Event>{event("resumed", w, now)};
          },
          [&](const ReportRequest& c) { return report(s, c, now); },
          [&](const ResolveRemotely& c) -> Decision {
            if (s.status != RequestStatus::awaiting_assignment) return illegal(s, "resolve remotely");
            JsonWriter w;
            w.begin_object().field("notes", c.notes).field("article_id", c.article_id).end_object();
            return std::vector<Event>{event("resolved_remotely", w, now)};
          },
          [&](const RecordCallback& c) { return callback(s, c, now); },
          [&](const UnlockRequest& c) -> Decision {
            if (s.status != RequestStatus::locked) return illegal(s, "unlock");
            JsonWriter w;
            w.begin_object().field("decision", c.decision).field("note", c.note).end_object();
            return std::vector<Event>{event("unlocked", w, now)};
          },
          [&](const CancelRequest& c) -> Decision {
            if (!is_open(s.status)) return illegal(s, "cancel");
            JsonWriter w;
            w.begin_object().field("reason", c.reason);
            write_dispatch_id(w, s.dispatch_id);
            w.end_object();
            return std::vector<Event>{event("cancelled", w, now, 2)};
          },
          [&](const DeadlinePassed& c) { return deadline(s, c, now); },
          [&](const AwaitParts& c) -> Decision {
            if (s.status != RequestStatus::assigned || s.dispatch_id != c.dispatch_id) return std::vector<Event>{};
            JsonWriter w;
            w.begin_object().field("dispatch_id", c.dispatch_id).field("engineer_id", s.engineer_id);
            w.field("because", "needs_parts").end_object();
            return std::vector<Event>{event("dispatch_released", w, now), event("suspended", one_field("reason", "awaiting_parts"), now)};
          },
      },
      cmd);
}

}  // namespace aftercare
