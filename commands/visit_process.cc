#include "commands/visit_process.h"

#include "commands/stock_process.h"
#include "domain/dispatch.h"
#include "domain/json.h"
#include "domain/request.h"
#include "domain/visit.h"

namespace aftercare {
namespace {

Rejection refusal(const Status& s) { return Rejection{s.code(), s.message(), ""}; }

std::vector<std::string> string_array(std::string_view data, const char* key) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::array items;
  if (parser.parse(data.data(), data.size())[key].get_array().get(items)) return out;
  for (auto i : items) {
    std::string_view s;
    if (!i.get_string().get(s)) out.emplace_back(s);
  }
  return out;
}

FollowUp on_visit_cmd(const std::string& visit_id, VisitCommand c) {
  return {visit_kind(), visit_id, [visit_id, c = std::move(c)](const AggregateHead& head, Timestamp now) {
            return decide_visit(visit_state(head.state.get()), visit_id, c, now);
          }};
}

FollowUp on_request(const std::string& request_id, RequestCommand c) {
  return {request_kind(), request_id, [request_id, c = std::move(c)](const AggregateHead& head, Timestamp now) {
            return decide_request(request_state(head.state.get()), request_id, c, now);
          }};
}

FollowUp on_dispatch_cmd(const std::string& dispatch_id, DispatchCommand c) {
  return {dispatch_kind(), dispatch_id, [dispatch_id, c = std::move(c)](const AggregateHead& head, Timestamp now) {
            return decide_dispatch(dispatch_state(head.state.get()), dispatch_id, c, now);
          }};
}

}  // namespace

FollowUp VisitProcess::open_visit(const std::string& dispatch_id, std::shared_ptr<const AggregateState> arrived) {
  return {visit_kind(), dispatch_id, [this, dispatch_id, arrived](const AggregateHead& head, Timestamp now) -> Decision {
            std::shared_ptr<const AggregateState> known = arrived;
            if (!known) {
              auto d = state_.load(dispatch_kind(), dispatch_id);
              if (!d) return refusal(d.status());
              known = d->state;
            }
            const DispatchState& dispatch = dispatch_state(known.get());
            // The arrived event is in the log, but the bus may not have
            // remembered its head yet: unavailable is retried, not recorded.
            if (!dispatch.exists || !dispatch.arrived_at)
              return Rejection{Errc::unavailable, "the dispatch's arrival is not in the write side's state yet", ""};
            auto r = state_.load(request_kind(), dispatch.request_id);
            if (!r) return refusal(r.status());
            const RequestState& request = request_state(r->state.get());
            OpenVisit open{dispatch.request_id, dispatch_id, dispatch.engineer_id, dispatch.outlet_id, dispatch.region,
                           dispatch.customer_id, dispatch.type, request.serial_no, request.product_model,
                           dispatch.parts_warehouse_id};
            return decide_visit(visit_state(head.state.get()), dispatch_id, open, now);
          }};
}

std::vector<FollowUp> VisitProcess::on_dispatch(const std::string& e, const std::string& id, const std::string& data) {
  std::vector<FollowUp> out;
  if (e == "offered") {
    const std::string warehouse = string_member(data, "parts_warehouse_id");
    if (warehouse.empty()) return out;
    for (const PartLine& p : part_lines_of(data, "parts"))
      out.push_back(stock_follow_up(warehouse, p.part_no, ReserveStock{id, p.qty, true}));
  } else if (e == "arrived") {
    out.push_back(open_visit(id));
  } else if (e == "declined" || e == "cancelled" || e == "withdrawn" || e == "finished") {
    // The parts and their warehouse are fixed at the offer (see the header).
    auto head = state_.load(dispatch_kind(), id);
    if (!head) {  // the write side cannot be read: the failure is recorded (a refusal in the audit), not skipped
      const Status failed = head.status();
      return {{dispatch_kind(), id, [failed](const AggregateHead&, Timestamp) -> Decision { return refusal(failed); }}};
    }
    const DispatchState& d = dispatch_state(head->state.get());
    if (d.parts_warehouse_id.empty()) return out;
    for (const PartLine& p : d.parts) out.push_back(stock_follow_up(d.parts_warehouse_id, p.part_no, ReleaseReservation{id}));
  }
  return out;
}

std::vector<FollowUp> VisitProcess::on_visit(const std::string& e, const std::string& id, const std::string& data) {
  std::vector<FollowUp> out;
  if (e == "parts_used") {
    const std::string warehouse = string_member(data, "warehouse_id"), part = string_member(data, "part_no");
    IssueStock issue{id, id, int_member(data, "qty").value_or(0), string_array(data, "serials_installed"),
                     int_member(data, "line").value_or(0), true};
    out.push_back(stock_follow_up(warehouse, part, std::move(issue)));
    for (const std::string& serial : string_array(data, "serials_removed"))
      out.push_back(stock_follow_up(warehouse, part, ReturnDefective{serial, id, "removed on visit " + id}));
  } else if (e == "completed") {
    const std::string outcome = string_member(data, "outcome"), request_id = string_member(data, "request_id");
    out.push_back(on_dispatch_cmd(id, FinishDispatch{outcome, string_member(data, "notes"),
                                                     int_member(data, "work_minutes").value_or(0), "visit"}));
    if (outcome == "needs_parts") {
      out.push_back(on_request(request_id, AwaitParts{id}));
      const std::string warehouse = string_member(data, "parts_warehouse_id");
      for (const PartLine& p : part_lines_of(data, "parts_needed"))
        out.push_back(stock_follow_up(warehouse, p.part_no, AwaitStock{id, p.qty}));
    } else {
      out.push_back(on_request(request_id, ReportRequest{std::string(request_outcome_of(outcome)), string_member(data, "notes"),
                                                         int_member(data, "work_minutes").value_or(0), "", id}));
    }
  } else if (e == "parts_ready") {
    out.push_back(on_request(string_member(data, "request_id"), ResumeRequest{"awaiting_parts"}));
  }
  return out;
}

std::vector<FollowUp> VisitProcess::react(const Envelope& event) {
  auto type = parse_type(event.type);
  if (!type) return {};
  const std::string& data = event.data;
  if (type->aggregate == dispatch_kind().name()) return on_dispatch(type->event, event.aggregate_id, data);
  if (type->aggregate == visit_kind().name()) return on_visit(type->event, event.aggregate_id, data);
  if (type->aggregate != stock_kind().name()) return {};
  const std::string visit = string_member(data, "visit_id");
  if (visit.empty()) return {};
  if (type->event == "issued" || type->event == "issue_refused") {
    const int64_t line = int_member(data, "line").value_or(0);
    if (line < 1) return {};  // issued by another route, not for a visit's line
    const bool issued = type->event == "issued";
    return {on_visit_cmd(visit, SettleIssue{line, issued, issued ? "" : string_member(data, "reason")})};
  }
  if (type->event == "awaited_available") return {on_visit_cmd(visit, NeededPartAvailable{string_member(data, "part_no")})};
  return {};
}

}  // namespace aftercare
