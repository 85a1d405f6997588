// Dispatch on the write side: the planner that turns "dispatch this
// request" into an offer (auto or manual), and the process manager through
// which a request follows its dispatches and they follow it
// (shared/spec/architecture.md §8) — never one command writing both.
//
//   dispatch.offered              -> request: assigned (to that dispatch)
//   dispatch.declined, withdrawn  -> request: dispatch_released; in auto mode, the next candidate is offered
//   dispatch.cancelled (by a dispatcher) -> request: dispatch_released
//   dispatch.finished (by the engineer)  -> request: reported with its outcome
//   request.reported, not_attended, cancelled (naming an open dispatch) -> dispatch: ends with it
//
// Every follow-up tolerates being delivered again and arriving after the
// other side moved on: it then changes nothing.
#pragma once

#include "commands/command_bus.h"
#include "commands/process_manager.h"
#include "commands/roster.h"
#include "domain/dispatch.h"
#include "domain/ranking.h"
#include "domain/request.h"

namespace aftercare {

// What a dispatcher (or the process manager) asks for.
struct DispatchOrder {
  std::string mode = "auto";  // auto | manual
  std::string engineer_id;    // manual
  std::string type = "on_site";
  std::optional<Timestamp> scheduled_start, scheduled_end;
  std::vector<PartLine> parts;
  std::string note;
  int64_t accept_within_ms = kDefaultAcceptWithinMs;
};

// POST /v1/requests/{id}/dispatch's body (and assign's, as a manual order).
Result<DispatchOrder> decode_dispatch_order(simdjson::dom::element body);

class DispatchPlanner {
 public:
  DispatchPlanner(StateStore& state, const Roster& roster) : state_(state), roster_(roster) {}
  StateStore& state() { return state_; }

  // What the ranking for `request` depends on besides the engineers: the
  // product's required skill, the customer's location, who was passed over.
  Result<RankingInput> ranking_input(const RequestState& request);
  // The ranking for request `request` now: every engineer of its region.
  Result<std::vector<Candidate>> candidates(const RequestState& request);
  // The next dispatch's id for `request`: "<id>.<dispatches + 1>".
  static std::string next_dispatch_id(const RequestState& request);
  // The decision on dispatch aggregate `dispatch_id` (head `head`) for `order`
  // on request `request_id`, read from the write side now. `may_see`: the
  // access policy's verdict on an engineer's region (manual orders).
  Decision decide(const AggregateHead& head, const std::string& dispatch_id, const std::string& request_id,
                  const DispatchOrder& order, const std::function<bool(std::string_view region)>& may_see, Timestamp now);

 private:
  // The engineer's van, else the outlet's warehouse, else "".
  Result<std::string> parts_warehouse(const std::string& engineer_id, const std::string& outlet_id);
  StateStore& state_;
  const Roster& roster_;
};

// The context of follow-up `index` of process manager `pm` to the event
// with id `event_id`: what the manager itself issues, so that whoever
// issues it first (an HTTP answer that needs it now, or the manager) writes
// it and the other is answered as a retry.
CommandContext follow_up_context(std::string_view pm, std::string_view event_id, std::string_view correlation_id,
                                 size_t index);

class DispatchProcess final : public ProcessManager {
 public:
  static constexpr std::string_view kName = "dispatch";
  explicit DispatchProcess(DispatchPlanner& planner) : planner_(planner) {}
  std::string_view name() const override { return kName; }
  std::vector<Topic> topics() const override { return {Topic::dispatches, Topic::requests}; }
  std::vector<FollowUp> react(const Envelope& event) override;

  // The request's follow-up to its dispatch's offer (follow-up 0 of the offered event).
  static FollowUp follow_offer(const std::string& request_id, const std::string& dispatch_id,
                               const std::string& engineer_id, const std::string& note);

 private:
  FollowUp reoffer(const std::string& request_id, const std::string& ended_id);
  DispatchPlanner& planner_;
};

}  // namespace aftercare
