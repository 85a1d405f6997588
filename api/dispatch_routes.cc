// The dispatch endpoints of api-field.md §Dispatches and the engineers'
// status and board. The role table has been applied by dispatch(); the
// visibility of a request or dispatch (region, owning engineer) is checked
// here and again inside the serialized decide step.
#include <charconv>

#include "api/call.h"
#include "commands/dispatch_process.h"
#include "domain/engineer_status.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "projections/dispatch_views.h"
#include "projections/event_reader.h"
#include "projections/request_views.h"

namespace aftercare {
namespace {



Rejection no_such_dispatch() { return {Errc::not_found, "no such dispatch", ""}; }

}  // namespace

// The request `id` as the write side holds it, if this token may see it.
Result<std::optional<RequestState>> ApiService::visible_request(const Principal& p, const std::string& id) {
  auto head = d_.state.load(request_kind(), id);
  if (!head) return head.status();
  const RequestState& s = request_state(head->state.get());
  if (!s.exists || !sees_request(p, s.region, s.engineer_id)) return std::optional<RequestState>();
  return std::optional<RequestState>(s);
}

void ApiService::dispatch_request(const CallPtr& call) {
  const std::string request_id = call->params[0];
  const Principal principal = *call->principal;
  auto request = visible_request(principal, request_id);
  if (!request) return call->fail(request.status());
  if (!*request) return call->fail(http::status::not_found, "no such request");
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto order = decode_dispatch_order(*body);
  if (!order) return call->fail(order.status());
  if (call->route->action == "assign") order->mode = "manual";  // assign names its engineer
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  const std::string id = DispatchPlanner::next_dispatch_id(**request);
  const bool assign = call->route->action == "assign";
  // If-Match names the request's version (the path's resource), not the new dispatch's.
  const std::optional<uint64_t> if_match = ctx->expected_version;
  ctx->expected_version.reset();
  ctx->expect_exists = false;
  const CommandContext context = *ctx;
  d_.bus.execute(
      dispatch_kind(), id, std::move(ctx).value(),
      [this, id, request_id, principal, if_match, order = std::move(order).value()](const AggregateHead& head, Timestamp now) -> Decision {
        auto r = d_.state.load(request_kind(), request_id);
        if (!r) return Rejection{r.status().code(), r.status().message(), ""};
        const RequestState& s = request_state(r->state.get());
        if (!s.exists || !sees_request(principal, s.region, s.engineer_id)) return Rejection{Errc::not_found, "no such request", ""};
        if (if_match && *if_match != r->sequence && !head.sequence)
          return Rejection{Errc::precondition_failed,
                           "the request's version is " + std::to_string(r->sequence) + ", not " + std::to_string(*if_match), ""};
        return d_.planner->decide(head, id, request_id, order,
                                  [&principal](std::string_view region) { return principal.sees_region(region); }, now);
      },
      [this, call, id, request_id, assign, context](CommandOutcome o) {
        if (!assign || !o.status) return answer_command(call, dispatch_kind(), id, "/v1/dispatches/" + id, std::move(o));
        follow_then_answer(call, request_id, id, context, std::move(o));
      });
}

// POST /assign answers with the request: the request follows its new
// dispatch here, with the very command the dispatch process manager would
// issue (same id), so that the manager later finds it done.
void ApiService::follow_then_answer(const CallPtr& call, const std::string& request_id, const std::string& dispatch_id,
                                    const CommandContext& ctx, CommandOutcome offered) {
  auto head = d_.state.load(dispatch_kind(), dispatch_id);
  if (!head) return call->fail(head.status());
  const DispatchState& d = dispatch_state(head->state.get());
  const std::string offered_event = event_id(ctx.command_id, ctx.fingerprint, 1);
  FollowUp f = DispatchProcess::follow_offer(request_id, dispatch_id, d.engineer_id, d.note);
  d_.bus.execute(request_kind(), request_id,
                 follow_up_context(DispatchProcess::kName, offered_event, ctx.correlation_id, 0), f.decide,
                 [this, call, request_id, offered](CommandOutcome o) {
                   if (o.status) {
                     o.created = false;
                     // X-Position covers both writes: a read of either sees it.
                     for (const auto& [tp, next] : offered.position.entries()) o.position.advance(tp, next);
                   }
                   answer_command(call, request_kind(), request_id, "/v1/requests/" + request_id, std::move(o));
                 });
}

void ApiService::dispatch_candidates(const CallPtr& call) {
  const std::string request_id = call->params[0];
  auto request = visible_request(*call->principal, request_id);
  if (!request) return call->fail(request.status());
  if (!*request) return call->fail(http::status::not_found, "no such request");
  auto ranked = d_.planner->candidates(**request);
  if (!ranked) return call->fail(ranked.status());
  std::string body = "{\"request_id\":";
  append_json_string(body, request_id);
  body += ",\"region\":";
  append_json_string(body, (*request)->region);
  body += ",\"items\":[";
  for (size_t i = 0; i < ranked->size(); ++i) {
    if (i) body.push_back(',');
    body += candidate_json((*ranked)[i]);
  }
  body += "]}";
  call->json(http::status::ok, std::move(body));
}

void ApiService::dispatch_action(const CallPtr& call) {
  const std::string id = call->params[0];
  const std::string action(call->route->action);
  const Principal principal = *call->principal;
  auto head = d_.state.load(dispatch_kind(), id);
  if (!head) return call->fail(head.status());
  const DispatchState& current = dispatch_state(head->state.get());
  if (!current.exists || !sees_request(principal, current.region, current.engineer_id))
    return call->fail(http::status::not_found, "no such dispatch");
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto cmd = decode_dispatch_action(action, *body);
  if (!cmd) return call->fail(cmd.status());
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  const CommandContext context = *ctx;
  d_.bus.execute(
      dispatch_kind(), id, std::move(ctx).value(),
      [this, id, principal, cmd = std::move(cmd).value()](const AggregateHead& head, Timestamp now) -> Decision {
        const DispatchState& s = dispatch_state(head.state.get());
        if (!s.exists || !sees_request(principal, s.region, s.engineer_id)) return no_such_dispatch();
        if (std::holds_alternative<AcceptDispatch>(cmd)) {
          // An offer of a request that has ended meanwhile is not taken.
          auto r = d_.state.load(request_kind(), s.request_id);
          if (!r) return Rejection{r.status().code(), r.status().message(), ""};
          const RequestState& req = request_state(r->state.get());
          if (!is_open(req.status))
            return Rejection{Errc::conflict, "request " + s.request_id + " is " + std::string(status_name(req.status)),
                             std::string(dispatch_status_name(s.status))};
        }
        return decide_dispatch(s, id, cmd, now);
      },
      [this, call, id, action, context](CommandOutcome o) {
        if (action == "arrive" && o.status && d_.visits) return open_visit_then_answer(call, id, context, std::move(o));
        answer_command(call, dispatch_kind(), id, "/v1/dispatches/" + id, std::move(o));
      });
}

Result<std::optional<std::string>> ApiService::visible_dispatch_row(const Principal& p, const std::string& id) {
  auto row = d_.store.get(DispatchViews::kName, "view/" + id);
  if (!row) return row.status();
  if (!*row) return std::optional<std::string>();
  if (!sees_request(p, string_member(**row, "region"), string_member(**row, "engineer_id"))) return std::optional<std::string>();
  return row;
}

void ApiService::get_dispatch(const CallPtr& call) {
  after_min_position(call, [this, call] {
    auto row = visible_dispatch_row(*call->principal, call->params[0]);
    if (!row) return call->fail(row.status());
    if (!*row) return call->fail(http::status::not_found, "no such dispatch");
    call->view(std::move(**row));
  });
}

void ApiService::dispatch_events(const CallPtr& call) {
  after_min_position(call, [this, call] {
    const std::string& id = call->params[0];
    auto row = visible_dispatch_row(*call->principal, id);
    if (!row) return call->fail(row.status());
    if (!*row) return call->fail(http::status::not_found, "no such dispatch");
    auto events = events_of(d_.log, d_.store, "dispatch/" + id, UINT64_MAX, 0, kMaxPageLimit);
    if (!events) return call->fail(events.status());
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < events->size(); ++i) body += (i ? "," : "") + (*events)[i].raw;
    body += "],\"next_cursor\":null}";
    call->json(http::status::ok, std::move(body));
  });
}

// GET /v1/dispatches and GET /v1/engineers/{id}/dispatches: newest offer
// first, from the indexes this token may read only.
void ApiService::list_dispatches(const CallPtr& call) {
  const Target& t = call->target;
  const Principal& who = *call->principal;
  auto limit = page_limit(t);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  std::string engineer = call->params.empty() ? query_value(t, "engineer_id") : call->params[0];
  const std::string status = query_value(t, "status"), region = query_value(t, "region"), outlet = query_value(t, "outlet_id");
  if (!status.empty() && !dispatch_status_from_name(status))
    return call->fail(http::status::bad_request, "unknown status \"" + status + "\"");
  if (who.role == Role::engineer) {
    if (!engineer.empty() && engineer != who.engineer_id) {
      if (!call->params.empty()) return call->fail(http::status::not_found, "no such record in engineers");
      return call->fail(http::status::forbidden, "engineer tokens list only their own dispatches");
    }
    engineer = who.engineer_id;
  }
  std::vector<std::string> prefixes;
  if (!engineer.empty()) prefixes.push_back("eng/" + key_part(engineer) + "/");
  else if (!region.empty()) {
    if (who.sees_region(region)) prefixes.push_back("list/" + key_part(region) + "/");
  }
  if (engineer.empty() && region.empty())
    for (const auto& r : who.regions) prefixes.push_back("list/" + key_part(r) + "/");
  const std::string cursor = query_value(t, "cursor");
  after_min_position(call, [=, this, n = *limit]() mutable {
    if (engineer.empty() && region.empty() && who.regions.empty()) {
      // All regions: one prefix per region that has dispatches.
      std::string region_key;
      for (;;) {
        auto next = d_.store.scan(DispatchViews::kName, "list/", region_key.empty() ? "list/" : region_key, 1);
        if (!next) return call->fail(next.status());
        if (next->empty()) break;
        const std::string& k = next->front().first;
        const std::string r = k.substr(5, k.find('/', 5) - 5);
        prefixes.push_back("list/" + r + "/");
        region_key = "list/" + r + "0";  // '/' + 1: past this region's rows
      }
    }
    std::string body = "{\"items\":[";
    size_t found = 0, looked = 0;
    std::string last;
    Status read;
    const size_t budget = n * 20 + 200;
    Status s = d_.store.visit_merged(DispatchViews::kName, prefixes, cursor, [&](std::string_view suffix) {
      last = suffix;
      const std::string id(suffix.substr(suffix.find('/') + 1));
      auto row = visible_dispatch_row(who, id);
      if (!row) return read = row.status(), false;
      if (*row) {
        const std::string& v = **row;
        const bool match = (status.empty() || string_member(v, "status") == status) &&
                           (region.empty() || string_member(v, "region") == region) &&
                           (outlet.empty() || string_member(v, "outlet_id") == outlet) &&
                           (engineer.empty() || string_member(v, "engineer_id") == engineer);
        if (match) {
          if (found++) body.push_back(',');
          body += v;
        }
      }
      return found < n && ++looked < budget;
    });
    if (!s) return call->fail(s);
    if (!read) return call->fail(read);
    body += "],\"next_cursor\":";
    if ((found == n || looked == budget) && !last.empty()) append_json_string(body, last);
    else body += "null";
    body += "}";
    call->json(http::status::ok, std::move(body));
  });
}

void ApiService::engineer_dispatches(const CallPtr& call) {
  const std::string& id = call->params[0];
  auto head = d_.state.load(engineer_kind(), id);
  if (!head) return call->fail(head.status());
  const std::string region = head->state ? string_member(master_record(head->state.get()).fields, "region") : "";
  if (!head->sequence || !access_.sees_engineer(*call->principal, id, region))
    return call->fail(http::status::not_found, "no such record in engineers");
  list_dispatches(call);
}

void ApiService::report_status(const CallPtr& call) {
  const std::string id = call->params[0];
  const Principal principal = *call->principal;
  auto engineer = d_.state.load(engineer_kind(), id);
  if (!engineer) return call->fail(engineer.status());
  const MasterRecord record = master_record(engineer->state.get());
  const std::string region = string_member(record.fields, "region");
  if (!record.exists || !access_.sees_engineer(principal, id, region))
    return call->fail(http::status::not_found, "no such record in engineers");
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto report = decode_status_report(*body);
  if (!report) return call->fail(report.status());
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  d_.bus.execute(
      engineer_status_kind(), id, std::move(ctx).value(),
      [this, id, principal, report = std::move(report).value()](const AggregateHead& head, Timestamp now) -> Decision {
        auto e = d_.state.load(engineer_kind(), id);
        if (!e) return Rejection{e.status().code(), e.status().message(), ""};
        const MasterRecord r = master_record(e->state.get());
        if (!r.exists || !access_.sees_engineer(principal, id, string_member(r.fields, "region")))
          return Rejection{Errc::not_found, "no such record in engineers", ""};
        return decide_status_report(engineer_status_state(head.state.get()), report, now);
      },
      [this, call, id](CommandOutcome o) {
        answer_command(call, engineer_status_kind(), id, "/v1/engineers/" + id + "/status", std::move(o));
      });
}

// GET /v1/engineers?region=&status=&outlet_id=: the live board, with each
// engineer's open dispatches (workload).
void ApiService::engineers_board(const CallPtr& call) {
  const Target& t = call->target;
  const Principal& who = *call->principal;
  auto limit = page_limit(t);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  const std::string region = query_value(t, "region"), status = query_value(t, "status"), outlet = query_value(t, "outlet_id");
  const std::string cursor = query_value(t, "cursor");
  std::vector<std::string> prefixes;
  if (!region.empty()) {
    if (who.sees_region(region)) prefixes.push_back("board/" + key_part(region) + "/");
  } else if (!who.regions.empty()) {
    for (const auto& r : who.regions) prefixes.push_back("board/" + key_part(r) + "/");
  }
  after_min_position(call, [=, this, n = *limit]() mutable {
    std::string body = "{\"items\":[";
    size_t found = 0;
    std::string last;
    Status read;
    auto row = [&](std::string_view key, std::string_view value) {
      if (key.starts_with("board/-/")) return true;  // a status report before its record
      const std::string id = string_member(value, "engineer_id");
      if (who.role == Role::engineer && id != who.engineer_id) return true;
      if (!who.sees_region(string_member(value, "region"))) return true;
      if ((!status.empty() && string_member(value, "status") != status) ||
          (!outlet.empty() && string_member(value, "outlet_id") != outlet))
        return true;
      auto open = d_.store.get(DispatchViews::kName, "open/" + key_part(id));
      if (!open) return read = open.status(), false;
      std::string item(value.substr(0, value.size() - 1));
      item += ",\"open_dispatches\":" + std::to_string(decode_counter(open->value_or(""))) + "}";
      if (found++) body.push_back(',');
      body += item;
      last = key;
      return found < n;
    };
    Status s;
    if (prefixes.empty() && region.empty()) {
      s = d_.store.visit(EngineerBoard::kName, "board/", cursor.empty() ? "" : cursor + "\x01", row);
    } else {
      for (const std::string& p : prefixes) {
        if (!cursor.empty() && cursor.substr(0, p.size()) > p) continue;
        s = d_.store.visit(EngineerBoard::kName, p, cursor.starts_with(p) ? cursor + "\x01" : "", row);
        if (!s || !read || found == n) break;
      }
    }
    if (!s) return call->fail(s);
    if (!read) return call->fail(read);
    body += "],\"next_cursor\":";
    if (found == n && !last.empty()) append_json_string(body, last);
    else body += "null";
    body += "}";
    call->json(http::status::ok, std::move(body));
  });
}

}  // namespace aftercare
