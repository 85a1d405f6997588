#include "commands/dispatch_process.h"

#include <charconv>
#include <map>

#include "domain/body.h"
#include "domain/json.h"
#include "domain/master_data.h"

namespace aftercare {
namespace {

Rejection refusal(const Status& s) { return Rejection{s.code(), s.message(), ""}; }

int dispatch_number(std::string_view dispatch_id) {
  int n = 0;
  const size_t dot = dispatch_id.rfind('.');
  if (dot == std::string_view::npos) return 0;
  std::from_chars(dispatch_id.data() + dot + 1, dispatch_id.data() + dispatch_id.size(), n);
  return n;
}


// "1 at_capacity, 3 off_duty": why nobody could be offered the request.
std::string exclusion_summary(const std::map<std::string, int64_t>& excluded) {
  std::string out;
  for (const auto& [code, n] : excluded) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + code;
  return out;
}

}  // namespace

Result<DispatchOrder> decode_dispatch_order(simdjson::dom::element body) {
  Body b(body);
  DispatchOrder o;
  o.engineer_id = b.id("engineer_id", false);
  o.mode = b.choice("mode", {"auto", "manual"}, false, o.engineer_id.empty() ? "auto" : "manual");
  if (o.mode == "manual" && o.engineer_id.empty() && b.status())
    return Status{Errc::unprocessable, "\"engineer_id\" is required unless \"mode\" is \"auto\""};
  if (o.mode == "auto" && !o.engineer_id.empty())
    return Status{Errc::unprocessable, "\"engineer_id\" is chosen by auto mode: send one or the other"};
  o.type = b.choice("type", {"on_site", "installation", "phone"}, false, "on_site");
  o.scheduled_start = b.time("scheduled_start", false);
  o.scheduled_end = b.time("scheduled_end", false);
  o.note = b.text("note", false, kMaxLongText);
  const std::string within = b.text("accept_within", false);
  if (auto v = b.value("parts")) {
    simdjson::dom::array parts;
    if (v->get_array().get(parts)) return Status{Errc::invalid_argument, "\"parts\" must be an array of {\"part_no\", \"qty\"}"};
    if (parts.size() > kMaxListItems) return Status{Errc::unprocessable, "\"parts\" has too many items"};
    for (auto item : parts) {
      if (!item.is_object()) return Status{Errc::invalid_argument, "\"parts\" must be an array of {\"part_no\", \"qty\"}"};
      Body line(item);
      PartLine p{line.id("part_no", true), line.integer("qty", true, 1, 10'000)};
      if (!line.status()) return line.status();
      o.parts.push_back(std::move(p));
    }
  }
  if (!b.status()) return b.status();
  if (o.scheduled_start && o.scheduled_end && *o.scheduled_end < *o.scheduled_start)
    return Status{Errc::unprocessable, "\"scheduled_end\" is before \"scheduled_start\""};
  if (!within.empty()) {
    auto ms = parse_iso_duration(within);
    if (!ms || *ms > kMaxAcceptWithinMs)
      return Status{Errc::unprocessable, "\"accept_within\" must be an ISO 8601 duration from PT1S to P7D (\"PT15M\")"};
    o.accept_within_ms = *ms;
  }
  return o;
}

std::string DispatchPlanner::next_dispatch_id(const RequestState& request) {
  return dispatch_id(request.id, request.dispatches + 1);
}

Result<RankingInput> DispatchPlanner::ranking_input(const RequestState& request) {
  RankingInput in;
  auto customer = state_.load(customer_kind(), request.customer_id);
  if (!customer) return customer.status();
  if (customer->state) in.customer_location = location_member(master_record(customer->state.get()).fields, "location");
  if (!request.product_model.empty()) {
    auto product = state_.load(product_kind(), request.product_model);
    if (!product) return product.status();
    if (product->state) in.required_skill = string_member(master_record(product->state.get()).fields, "required_skill");
  }
  // Who this request's earlier dispatch went to, if it declined or let the offer expire.
  if (request.dispatches > 0) {
    auto last = state_.load(dispatch_kind(), dispatch_id(request.id, request.dispatches));
    if (!last) return last.status();
    const DispatchState& d = dispatch_state(last->state.get());
    in.passed_over = d.passed_over;
    if (d.status == DispatchStatus::declined || d.status == DispatchStatus::withdrawn) in.passed_over.push_back(d.engineer_id);
  }
  return in;
}

Result<std::vector<Candidate>> DispatchPlanner::candidates(const RequestState& request) {
  auto in = ranking_input(request);
  if (!in) return in.status();
  return rank_engineers(*in, roster_.engineers_in(request.region));
}

Decision DispatchPlanner::decide(const AggregateHead& head, const std::string& id, const std::string& request_id,
                                 const DispatchOrder& order, const std::function<bool(std::string_view)>& may_see,
                                 Timestamp now) {
  const DispatchState& existing = dispatch_state(head.state.get());
  OfferDispatch cmd;
  cmd.request_id = request_id;
  if (existing.exists) return decide_dispatch(existing, id, cmd, now);  // refused: it exists
  auto request_head = state_.load(request_kind(), request_id);
  if (!request_head) return refusal(request_head.status());
  const RequestState& request = request_state(request_head->state.get());
  if (!request.exists) return Rejection{Errc::not_found, "no such request", ""};
  if (request.status != RequestStatus::awaiting_assignment)
    return Rejection{Errc::conflict, "cannot dispatch a request that is " + std::string(status_name(request.status)),
                     std::string(status_name(request.status))};
  if (dispatch_number(id) != request.dispatches + 1)
    return Rejection{Errc::conflict, "the request's dispatches moved on meanwhile; try again", std::string(status_name(request.status))};
  cmd.mode = order.mode;
  cmd.type = order.type;
  cmd.note = order.note;
  cmd.region = request.region;
  cmd.customer_id = request.customer_id;
  cmd.scheduled_start = order.scheduled_start;
  cmd.scheduled_end = order.scheduled_end;
  cmd.parts = order.parts;
  cmd.accept_within_ms = order.accept_within_ms;
  auto in = ranking_input(request);
  if (!in) return refusal(in.status());
  if (order.mode == "auto") {
    // Whether each engineer's van (else outlet warehouse) has the parts: from the roster's stock heads.
    const RankingSummary ranking = roster_.summarize(request.region, *in, order.parts.empty() ? nullptr : &order.parts);
    if (ranking.best().empty())
      return Rejection{Errc::conflict,
                       "no eligible engineer in region \"" + request.region + "\"" +
                           (ranking.considered() == 0 ? ": none registered" : ": " + exclusion_summary(ranking.excluded())),
                       std::string(status_name(request.status))};
    cmd.engineer_id = ranking.best().front().engineer_id;
    cmd.outlet_id = ranking.best().front().outlet_id;
    cmd.ranking = ranking.json();
  } else {
    // A dispatcher's choice: any active engineer the token may see, of a certified outlet or none.
    auto engineer = roster_.engineer(order.engineer_id);
    if (!engineer || !engineer->active || !may_see(engineer->region))
      return Rejection{Errc::unprocessable, "\"" + order.engineer_id + "\" is not an active engineer", ""};
    if (!engineer->outlet_status.empty() && engineer->outlet_status != "certified")
      return Rejection{Errc::unprocessable, "engineer \"" + order.engineer_id + "\" belongs to outlet \"" + engineer->outlet_id +
                                                "\", which is " + engineer->outlet_status + ", not certified", ""};
    cmd.engineer_id = order.engineer_id;
    cmd.outlet_id = engineer->outlet_id;
  }
  // The passed-over engineers go with the dispatch, for the next one.
  cmd.passed_over = in->passed_over;
  auto warehouse = parts_warehouse(cmd.engineer_id, cmd.outlet_id);
  if (!warehouse) return refusal(warehouse.status());
  cmd.parts_warehouse_id = *warehouse;
  return decide_dispatch(existing, id, cmd, now);
}

Result<std::string> DispatchPlanner::parts_warehouse(const std::string& engineer_id, const std::string& outlet_id) {
  auto engineer = state_.load(engineer_kind(), engineer_id);
  if (!engineer) return engineer.status();
  if (engineer->state) {
    std::string van = string_member(master_record(engineer->state.get()).fields, "van_warehouse_id");
    if (!van.empty()) return van;
  }
  if (outlet_id.empty()) return std::string();
  auto outlet = state_.load(outlet_kind(), outlet_id);
  if (!outlet) return outlet.status();
  return outlet->state ? string_member(master_record(outlet->state.get()).fields, "warehouse_id") : std::string();
}

CommandContext follow_up_context(std::string_view pm, std::string_view event_id, std::string_view correlation_id,
                                 size_t index) {
  CommandContext ctx;
  ctx.actor = "system:" + std::string(pm);
  ctx.command_id = follow_up_command_id(pm, event_id, index);
  ctx.derived_id = true;
  ctx.correlation_id = correlation_id;
  ctx.fingerprint = "process-manager";
  return ctx;
}

FollowUp DispatchProcess::follow_offer(const std::string& request_id, const std::string& dispatch_id,
                                       const std::string& engineer_id, const std::string& note) {
  return {request_kind(), request_id, [request_id, cmd = AssignRequest{engineer_id, note, dispatch_id}](const AggregateHead& head, Timestamp now) {
            return decide_request(request_state(head.state.get()), request_id, cmd, now);
          }};
}

// After a decline or an expired offer in auto mode, the next candidate:
// decided when it runs, from the state then — nothing when the ended
// dispatch was manual, or someone dispatched the request meanwhile.
FollowUp DispatchProcess::reoffer(const std::string& request_id, const std::string& ended_id) {
  const std::string next = dispatch_id(request_id, dispatch_number(ended_id) + 1);
  return {dispatch_kind(), next, [this, ended_id, next, request_id](const AggregateHead& head, Timestamp now) -> Decision {
            auto ended = planner_.state().load(dispatch_kind(), ended_id);
            if (!ended) return refusal(ended.status());
            const DispatchState& d = dispatch_state(ended->state.get());
            if (d.mode != "auto" || head.sequence) return std::vector<Event>{};
            auto request = planner_.state().load(request_kind(), request_id);
            if (!request) return refusal(request.status());
            const RequestState& r = request_state(request->state.get());
            if (r.status != RequestStatus::awaiting_assignment || DispatchPlanner::next_dispatch_id(r) != next)
              return std::vector<Event>{};
            DispatchOrder order;  // as the ended one was given
            order.type = d.type;
            order.parts = d.parts;
            order.note = d.note;
            order.scheduled_start = d.scheduled_start;
            order.scheduled_end = d.scheduled_end;
            order.accept_within_ms = d.accept_within_ms;
            return planner_.decide(head, next, request_id, order, [](std::string_view) { return true; }, now);
          }};
}

std::vector<FollowUp> DispatchProcess::react(const Envelope& event) {
  auto type = parse_type(event.type);
  if (!type) return {};
  const std::string& id = event.aggregate_id;
  auto on_request = [](std::string request_id, RequestCommand cmd) {
    return FollowUp{request_kind(), request_id, [request_id, cmd = std::move(cmd)](const AggregateHead& head, Timestamp now) {
                      return decide_request(request_state(head.state.get()), request_id, cmd, now);
                    }};
  };
  if (type->aggregate == "dispatch") {
    const std::string request_id = request_of_dispatch(id);
    const std::string& e = type->event;
    if (e == "offered")
      return {follow_offer(request_id, id, string_member(event.data, "engineer_id"), string_member(event.data, "note"))};
    // Finished by its visit: the visit process manager moves the request (commands/visit_process.h).
    if (e == "finished" && string_member(event.data, "by") == "engineer")
      return {on_request(request_id, ReportRequest{string_member(event.data, "outcome"), string_member(event.data, "notes"),
                                                   int_member(event.data, "work_minutes").value_or(0), "", id})};
    if (e == "cancelled" && string_member(event.data, "by") == "dispatcher")
      return {on_request(request_id, ReleaseDispatch{id, "cancelled"})};
    if (e != "declined" && e != "withdrawn") return {};
    // Released first: the re-offer finds the request awaiting assignment.
    return {on_request(request_id, ReleaseDispatch{id, e}), reoffer(request_id, id)};
  }
  if (type->aggregate == "request") {
    const std::string& e = type->event;
    if (e != "reported" && e != "not_attended" && e != "cancelled") return {};
    const std::string dispatch = string_member(event.data, "dispatch_id");
    if (dispatch.empty()) return {};
    RequestMovedOn moved{e, string_member(event.data, "outcome"), int_member(event.data, "work_minutes").value_or(0)};
    return {{dispatch_kind(), dispatch, [dispatch, moved](const AggregateHead& head, Timestamp now) {
               return decide_dispatch(dispatch_state(head.state.get()), dispatch, moved, now);
             }}};
  }
  return {};
}

}  // namespace aftercare
