// The field-work process manager (shared/spec/architecture.md §8): how a
// dispatch's parts, its visit, the stock items and the request follow one
// another — one command per aggregate, each derived from its trigger.
//
//   dispatch.offered (with parts)      -> each part reserved at the dispatch's parts warehouse
//                                         (a shortfall: reservation_refused, the dispatch goes on)
//   dispatch.arrived                   -> the visit opens (the arrive route does it first, to name it)
//   dispatch.declined|cancelled|withdrawn|finished -> what is left of its reservations is released
//   visit.parts_used                   -> issued at the warehouse, the reservation consumed first
//                                         (a shortfall: issue_refused); each removed serial: a defective return
//   stock.issued | issue_refused       -> the visit's line: issued | refused
//   visit.completed                    -> the dispatch finishes (by "visit"), then the request:
//                                         fixed, no_fault_found -> reported resolved; not_fixed -> unresolved;
//                                         needs_parts -> dispatch released and suspended (awaiting_parts),
//                                         and each needed part awaited at the parts warehouse
//   stock.awaited_available            -> the visit notes the part; when all are there, parts_ready
//   visit.parts_ready                  -> the request resumes (only if it still awaits parts)
//
// A reaction reads nothing but its event — except the dispatch's parts and
// parts warehouse on release, which are fixed when it is offered and never
// change, so reading them later gives what the event would have said.
#pragma once

#include "commands/process_manager.h"
#include "commands/state_store.h"

namespace aftercare {

class VisitProcess final : public ProcessManager {
 public:
  static constexpr std::string_view kName = "visit";
  explicit VisitProcess(StateStore& state) : state_(state) {}
  std::string_view name() const override { return kName; }
  std::vector<Topic> topics() const override { return {Topic::dispatches, Topic::visits, Topic::parts}; }
  std::vector<FollowUp> react(const Envelope& event) override;

  // The visit's opening when dispatch `dispatch_id` arrived (follow-up 0 of
  // its arrived event). `arrived`: the dispatch's state after it, when the
  // caller has it (the arrive route: the write side's head may not show it
  // yet); otherwise it is read from the write side.
  FollowUp open_visit(const std::string& dispatch_id, std::shared_ptr<const AggregateState> arrived = nullptr);

 private:
  std::vector<FollowUp> on_dispatch(const std::string& event, const std::string& id, const std::string& data);
  std::vector<FollowUp> on_visit(const std::string& event, const std::string& id, const std::string& data);
  StateStore& state_;
};

}  // namespace aftercare
