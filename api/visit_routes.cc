// The visit endpoints of api-field.md §Visits and the outlets' monthly
// settlement. The role table has been applied by dispatch(); who may see a
// visit (its region, the engineer of its dispatch) is checked here and
// again inside the serialized decide step.
#include <charconv>

#include "api/call.h"
#include "commands/visit_process.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/stock.h"
#include "domain/visit.h"
#include "projections/master_view.h"
#include "projections/request_views.h"
#include "projections/visit_views.h"

namespace aftercare {
namespace {

Rejection no_such_visit() { return {Errc::not_found, "no such visit", ""}; }
Rejection failed(const Status& s) { return {s.code(), s.message(), ""}; }

bool valid_month(std::string_view m) {
  if (m.size() != 7 || m[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6})
    if (m[i] < '0' || m[i] > '9') return false;
  const int month = (m[5] - '0') * 10 + (m[6] - '0');
  return month >= 1 && month <= 12;
}

// The amount `key` of the money-by-key member `member` of a record (0 when absent).
int64_t amount_of(std::string_view record, const char* member, std::string_view key) {
  simdjson::dom::parser parser;
  int64_t n = 0;
  if (parser.parse(record.data(), record.size())[member][key].get_int64().get(n)) return 0;
  return n;
}

}  // namespace

Result<VisitState> ApiService::visible_visit(const Principal& p, const std::string& id) {
  auto head = d_.state.load(visit_kind(), id);
  if (!head) return head.status();
  const VisitState& v = visit_state(head->state.get());
  if (!v.exists || !sees_request(p, v.region, v.engineer_id)) return Status{Errc::not_found, "no such visit"};
  return v;
}

void ApiService::get_visit(const CallPtr& call) {
  after_min_position(call, [this, call] {
    auto row = d_.store.get(VisitViews::kName, "view/" + key_part(call->params[0]));
    if (!row) return call->fail(row.status());
    if (!*row || !sees_request(*call->principal, string_member(**row, "region"), string_member(**row, "engineer_id")))
      return call->fail(http::status::not_found, "no such visit");
    call->view(std::move(**row));
  });
}

// POST /v1/visits/{id}/parts: recorded on the visit; the visit process
// manager issues them. A shortfall seen now is a 409 here; one that a race
// creates after is the line's `refused` (commands/visit_process.h).
void ApiService::visit_parts(const CallPtr& call) {
  const std::string id = call->params[0];
  const Principal principal = *call->principal;
  auto visit = visible_visit(principal, id);
  if (!visit) return call->fail(visit.status());
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto use = decode_use_parts(*body);
  if (!use) return call->fail(use.status());
  if (use->warehouse_id.empty()) use->warehouse_id = visit->parts_warehouse_id;
  if (use->warehouse_id.empty())
    return call->fail(http::status::unprocessable_entity, "\"warehouse_id\" is required: the dispatch has no parts warehouse");
  if (use->warehouse_id != visit->parts_warehouse_id) {
    auto seen = warehouse_visible(principal, use->warehouse_id);
    if (!seen) return call->fail(seen.status());
    if (!*seen) return call->fail(http::status::unprocessable_entity, "unknown warehouse \"" + use->warehouse_id + "\"");
  }
  if (!stock_item_id(use->warehouse_id, use->part_no))
    return call->fail(http::status::unprocessable_entity, "not a part number this warehouse can hold");
  auto part = d_.state.load(part_kind(), use->part_no);
  if (!part) return call->fail(part.status());
  if (!part->sequence) return call->fail(http::status::unprocessable_entity, "unknown part \"" + use->part_no + "\"");
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  d_.bus.execute(
      visit_kind(), id, std::move(ctx).value(),
      [this, id, principal, use = std::move(use).value()](const AggregateHead& head, Timestamp now) -> Decision {
        const VisitState& s = visit_state(head.state.get());
        if (!s.exists || !sees_request(principal, s.region, s.engineer_id)) return no_such_visit();
        if (s.status == VisitStatus::open) {
          auto item = d_.state.load(stock_kind(), *stock_item_id(use.warehouse_id, use.part_no));
          if (!item) return failed(item.status());
          const StockState& stock = stock_state(item->state.get());
          auto reserved = stock.reservations.find(s.dispatch_id);
          const int64_t usable = stock.available() + (reserved == stock.reservations.end() ? 0 : reserved->second);
          if (use.qty > usable)
            return Rejection{Errc::conflict,
                             "using " + std::to_string(use.qty) + " of " + use.part_no + " at " + use.warehouse_id +
                                 " would leave it below zero: " + std::to_string(usable) + " available to this visit",
                             "open"};
        }
        return decide_visit(s, id, use, now);
      },
      [this, call, id](CommandOutcome o) { answer_command(call, visit_kind(), id, "/v1/visits/" + id, std::move(o)); });
}

// What the visit costs and earns, from the world now (domain/charge.h).
Result<Charge> ApiService::visit_charge(const VisitState& v, int64_t work_minutes, Timestamp now) {
  ChargeInput in;
  in.policy = d_.charging;
  in.serial_no = v.serial_no;
  in.work_minutes = work_minutes;
  in.dispatch_type = v.type;
  in.now = now;
  if (!v.serial_no.empty()) {
    auto unit = d_.state.load(unit_kind(), v.serial_no);
    if (!unit) return unit.status();
    const std::string fields = unit->state ? master_record(unit->state.get()).fields : "";
    if (auto until = parse_rfc3339(string_member(fields, "warranty_until"))) {
      in.warranty_until = until;
      in.warranty_source = "unit";
    } else if (auto installed = parse_rfc3339(string_member(fields, "installed_at"))) {
      auto product = d_.state.load(product_kind(), string_member(fields, "product_model"));
      if (!product) return product.status();
      const std::string pf = product->state ? master_record(product->state.get()).fields : "";
      if (auto months = int_member(pf, "warranty_months")) {
        in.warranty_until = add_months(*installed, *months);
        in.warranty_source = "product";
      }
    }
  }
  for (const UsedPart& p : v.parts) {
    if (p.issue == "refused") continue;
    auto part = d_.state.load(part_kind(), p.part_no);
    if (!part) return part.status();
    const int64_t price = part->state ? int_member(master_record(part->state.get()).fields, "price").value_or(0) : 0;
    in.parts.push_back({p.part_no, p.qty, price, 0});
  }
  if (!v.outlet_id.empty()) {
    auto outlet = d_.state.load(outlet_kind(), v.outlet_id);
    if (!outlet) return outlet.status();
    if (outlet->state) in.outlet_fee = amount_of(master_record(outlet->state.get()).fields, "fee_per_visit", v.type);
  }
  return charge_for(in);
}

void ApiService::complete_visit(const CallPtr& call) {
  const std::string id = call->params[0];
  const Principal principal = *call->principal;
  auto visit = visible_visit(principal, id);
  if (!visit) return call->fail(visit.status());
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto complete = decode_complete_visit(*body);
  if (!complete) return call->fail(complete.status());
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  d_.bus.execute(
      visit_kind(), id, std::move(ctx).value(),
      [this, id, principal, c = std::move(complete).value()](const AggregateHead& head, Timestamp now) mutable -> Decision {
        const VisitState& s = visit_state(head.state.get());
        if (!s.exists || !sees_request(principal, s.region, s.engineer_id)) return no_such_visit();
        if (s.status == VisitStatus::open) {
          auto d = d_.state.load(dispatch_kind(), s.dispatch_id);
          if (!d) return failed(d.status());
          const DispatchState& dispatch = dispatch_state(d->state.get());
          if (dispatch.status != DispatchStatus::on_site)
            return Rejection{Errc::conflict, "its dispatch is " + std::string(dispatch_status_name(dispatch.status)) +
                                                 ", not on site: the visit cannot complete", "open"};
          auto charge = visit_charge(s, c.work_minutes, now);
          if (!charge) return failed(charge.status());
          c.charge = std::move(charge).value();
        }
        return decide_visit(s, id, c, now);
      },
      [this, call, id](CommandOutcome o) { answer_command(call, visit_kind(), id, "/v1/visits/" + id, std::move(o)); });
}

// After an arrive: the visit opens with the very command its process
// manager would issue (same id), so the answer can name it and a GET of
// the visit right after finds it.
void ApiService::open_visit_then_answer(const CallPtr& call, const std::string& dispatch_id, const CommandContext& ctx,
                                        CommandOutcome arrived) {
  const std::string arrived_event = event_id(ctx.command_id, ctx.fingerprint, arrived.version);
  FollowUp f = d_.visits->open_visit(dispatch_id, arrived.typed);
  d_.bus.execute(visit_kind(), dispatch_id, follow_up_context(VisitProcess::kName, arrived_event, ctx.correlation_id, 0),
                 f.decide, [this, call, dispatch_id, arrived](CommandOutcome opened) mutable {
                   if (opened.status)
                     for (const auto& [tp, next] : opened.position.entries()) arrived.position.advance(tp, next);
                   answer_command(call, dispatch_kind(), dispatch_id, "/v1/dispatches/" + dispatch_id, std::move(arrived));
                 });
}

// GET /v1/requests/{id}/visits: the request's visits, oldest first.
void ApiService::request_visits(const CallPtr& call) {
  after_min_position(call, [this, call] {
    const std::string& id = call->params[0];
    auto request = visible_request(*call->principal, id);
    if (!request) return call->fail(request.status());
    if (!*request) return call->fail(http::status::not_found, "no such request");
    const std::string prefix = "req/" + key_part(id) + "/";
    auto rows = d_.store.scan(VisitViews::kName, prefix, "", kMaxPageLimit);
    if (!rows) return call->fail(rows.status());
    std::string body = "{\"items\":[";
    size_t n = 0;
    for (const auto& [key, unused] : *rows) {
      auto view = d_.store.get(VisitViews::kName, "view/" + key.substr(prefix.size()));
      if (!view) return call->fail(view.status());
      if (!*view) continue;
      if (n++) body.push_back(',');
      body += **view;
    }
    body += "]}";
    call->json(http::status::ok, std::move(body));
  });
}

// GET /v1/outlets/{id}/settlement?month=YYYY-MM: the month's totals and its
// lines, oldest completion first, paged by cursor.
void ApiService::outlet_settlement(const CallPtr& call) {
  const Target& t = call->target;
  const std::string month = query_value(t, "month");
  if (!valid_month(month)) return call->fail(http::status::bad_request, "month must be YYYY-MM (\"2026-11\")");
  auto limit = page_limit(t);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  const std::string cursor = query_value(t, "cursor");
  after_min_position(call, [this, call, month, cursor, n = *limit] {
    const std::string& outlet = call->params[0];
    auto row = d_.store.get(MasterView::kName, std::string(outlet_kind().name()) + "/" + outlet);
    if (!row) return call->fail(row.status());
    Result<bool> visible = *row ? access_.sees_master(*call->principal, outlet_kind(), outlet, **row) : Result<bool>(false);
    if (!visible) return call->fail(visible.status());
    if (!*visible) return call->fail(http::status::not_found, "no such record in outlets");
    JsonWriter w;
    w.begin_object().field("outlet_id", outlet).field("month", month).field("time_zone", "UTC").key("totals").begin_object();
    int64_t fees = 0;
    for (std::string_view total : kSettlementTotals) {
      auto v = d_.store.get(VisitViews::kName, settlement_sum_key(outlet, month, total));
      if (!v) return call->fail(v.status());
      const int64_t amount = decode_counter(v->value_or(""));
      if (total == "fees") fees = amount;
      w.field_int(total, amount);
    }
    w.end_object().field_int("payable", fees).key("items").begin_array();
    const std::string prefix = settlement_prefix(outlet, month);
    auto lines = d_.store.scan(VisitViews::kName, prefix, cursor.empty() ? "" : prefix + cursor + "\x01", n + 1);
    if (!lines) return call->fail(lines.status());
    for (size_t i = 0; i < lines->size() && i < n; ++i) w.raw((*lines)[i].second);
    w.end_array().key("next_cursor");
    if (lines->size() > n) w.string((*lines)[n - 1].first.substr(prefix.size()));
    else w.null();
    call->json(http::status::ok, w.end_object().take());
  });
}

}  // namespace aftercare
