// The service request endpoints of api.md: intake, actions, the request
// view (now or as of a time), its events, lists and problem statistics.
// The role table has been applied by dispatch(); visibility (region, owning
// engineer) is checked here — for commands again inside the serialized
// decide step, against the state the command acts on.
#include <algorithm>
#include <charconv>

#include "api/call.h"
#include "base/ids.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/request.h"
#include "projections/event_reader.h"
#include "projections/master_view.h"
#include "projections/request_views.h"

namespace aftercare {
namespace {

constexpr auto kMaxPositionWait = std::chrono::milliseconds(5000);

// Rejections for what the token may not see: worded as for what does not exist.
Rejection no_such_request() { return {Errc::not_found, "no such request", ""}; }


Result<RequestState> state_of_view(const std::string& row) {
  auto view = split_view(row);
  if (!view) return Status{Errc::corruption, "malformed request view row"};
  return request_from_json(view->state);
}


}  // namespace

void ApiService::after_min_position(const CallPtr& call, std::function<void()> then) {
  const auto min = call->req["X-Min-Position"];
  if (min.empty()) return then();
  auto position = Position::from_token(min);
  if (!position) return call->fail(http::status::bad_request, "X-Min-Position is not a position token");
  d_.read_side.when_applied(*position, kMaxPositionWait, [call, then = std::move(then)](bool reached) {
    if (!reached)
      return call->fail(http::status::gateway_timeout, "the read models did not reach X-Min-Position in 5 s");
    then();
  });
}

void ApiService::answer_command(const CallPtr& call, AggregateKind kind, const std::string& id,
                                const std::string& location, CommandOutcome o, bool on_io_thread) {
  // Called on the log's thread (the append's acknowledgement): the JSON is
  // rendered on an I/O thread, so the log's next group is not held up.
  if (d_.post && !on_io_thread) {
    return d_.post([this, call, kind, id, location, o = std::move(o)]() mutable {
      answer_command(call, kind, id, location, std::move(o), true);
    });
  }
  if (!o.status) {
    if (o.status.code() == Errc::conflict && !o.current_status.empty())
      return call->fail(http::status::conflict, o.status.message(),
                        "\"current_status\":\"" + o.current_status + "\"");
    return call->fail(o.status);
  }
  if (o.typed) return reply_with_state(call, location, o, o.typed->to_json());
  original_state(call, kind, id, o, [this, call, location, o](const std::string& state) {
    reply_with_state(call, location, o, state);
  });
}

void ApiService::reply_with_state(const CallPtr& call, const std::string& location, const CommandOutcome& o,
                                  const std::string& state) {
  HttpResponse res{o.created ? http::status::created : http::status::ok, call->req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::etag, "\"" + std::to_string(o.version) + "\"");
  res.set("X-Position", o.position.to_token());
  if (o.created) res.set(http::field::location, location);
  res.body() = view_json(state, o.version);
  res.prepare_payload();
  call->reply(std::move(res));
}

void ApiService::original_state(const CallPtr& call, AggregateKind kind, const std::string& id,
                                const CommandOutcome& o, std::function<void(const std::string&)> respond) {
  d_.read_side.when_applied(o.position, kMaxPositionWait, [this, call, kind, id, version = o.version, respond](bool reached) {
    if (!reached) return call->fail(http::status::service_unavailable, "the original outcome is not readable yet; retry");
    const std::string subject = std::string(kind.name()) + "/" + id;
    auto events = events_of(d_.log, d_.store, subject, version);
    if (!events) return call->fail(events.status());
    FoldedState then;
    for (const auto& e : *events)
      if (Status s = fold_envelope(then, e.envelope); !s) return call->fail(s);
    if (then.version != version) return call->fail(Status{Errc::corruption, "events index is missing events of " + subject});
    respond(then.state);
  });
}

Result<std::optional<ApiService::RequestView>> ApiService::visible_request_view(const Principal& p,
                                                                              const std::string& id) {
  auto row = d_.store.get(RequestsProjection::kName, "view/" + id);
  if (!row) return row.status();
  if (!*row) return std::optional<RequestView>();
  auto s = state_of_view(**row);
  if (!s) return s.status();
  if (!sees_request(p, s->region, s->engineer_id, s->customer_id)) return std::optional<RequestView>();
  return std::optional<RequestView>(RequestView{std::move(**row), std::move(*s)});
}

void ApiService::open_request(const CallPtr& call) {
  simdjson::dom::parser parser;
  auto body = ApiService::command_body(*call, parser);
  if (!body) return;
  auto decoded = decode_request_command("open", *body);
  if (!decoded) return call->fail(decoded.status());
  auto ctx = ApiService::command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  OpenRequest cmd = std::get<OpenRequest>(std::move(decoded).value());
  // An Idempotency-Key names the request, so a retry lands on the same aggregate.
  const std::string id = "R-" + to_hex(sha256(ctx->derived_id ? ctx->command_id : random_uuid())).substr(0, 20);
  const Principal principal = *call->principal;
  d_.bus.execute(
      request_kind(), id, std::move(ctx).value(),
      [this, cmd = std::move(cmd), id, principal](const AggregateHead& head, Timestamp now) mutable -> Decision {
        const RequestState& s = request_state(head.state.get());  // typed: nothing parsed
        // The customer must be known, and one this token may see; a customer
        // it may not see is refused exactly as an unknown one.
        auto customer = d_.state.load(customer_kind(), cmd.customer_id);
        if (!customer) return Rejection{customer.status().code(), customer.status().message(), ""};
        const std::string customer_region = string_member(customer->state_json(), "region");
        if (customer->sequence == 0 || !principal.sees_region(customer_region) ||
            (principal.role == Role::customer && cmd.customer_id != principal.customer_id))
          return Rejection{Errc::unprocessable, "unknown customer \"" + cmd.customer_id + "\"", ""};
        if (principal.role == Role::customer) {
          // The portal: a customer opens requests on the web, in their own region.
          cmd.channel = "web";
          if (!cmd.region.empty() && cmd.region != customer_region)
            return Rejection{Errc::forbidden, "this token does not cover region \"" + cmd.region + "\"", ""};
        }
        if (cmd.region.empty()) cmd.region = customer_region;
        if (!principal.sees_region(cmd.region))
          return Rejection{Errc::forbidden, "this token does not cover region \"" + cmd.region + "\"", ""};
        if (!cmd.serial_no.empty()) {
          // The unit, if named, must be the customer's.
          auto unit = d_.state.load(unit_kind(), cmd.serial_no);
          if (!unit) return Rejection{unit.status().code(), unit.status().message(), ""};
          if (!unit->sequence || string_member(unit->state_json(), "customer_id") != cmd.customer_id)
            return Rejection{Errc::unprocessable, "unit \"" + cmd.serial_no + "\" is not an installed unit of customer \"" +
                                                      cmd.customer_id + "\"", ""};
          if (cmd.product_model.empty()) cmd.product_model = string_member(unit->state_json(), "product_model");
        }
        return decide_request(s, id, cmd, now);
      },
      [this, call, id](CommandOutcome o) {
        answer_command(call, request_kind(), id, "/v1/requests/" + id, std::move(o));
      });
}

void ApiService::request_action(const CallPtr& call) {
  const std::string id = call->params[0];
  const std::string action(call->route->action);
  const Principal principal = *call->principal;
  // What the token may not see is answered as missing, before anything else.
  auto head = d_.state.load(request_kind(), id);
  if (!head) return call->fail(head.status());
  if (head->sequence == 0) return call->fail(http::status::not_found, "no such request");
  const RequestState& current = request_state(head->state.get());
  if (!sees_request(principal, current.region, current.engineer_id, current.customer_id))
    return call->fail(http::status::not_found, "no such request");

  simdjson::dom::parser parser;
  auto body = ApiService::command_body(*call, parser);
  if (!body) return;
  auto decoded = decode_request_command(action, *body);
  if (!decoded) return call->fail(decoded.status());
  auto ctx = ApiService::command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  d_.bus.execute(
      request_kind(), id, std::move(ctx).value(),
      [this, cmd = std::move(decoded).value(), id, principal](const AggregateHead& head, Timestamp now) -> Decision {
        if (head.sequence == 0) return no_such_request();
        const RequestState& s = request_state(head.state.get());  // typed: nothing parsed
        if (!sees_request(principal, s.region, s.engineer_id, s.customer_id)) return no_such_request();
        if (auto* assign = std::get_if<AssignRequest>(&cmd)) {
          // An engineer this token may not see is refused as an unknown one.
          auto engineer = d_.state.load(engineer_kind(), assign->engineer_id);
          if (!engineer) return Rejection{engineer.status().code(), engineer.status().message(), ""};
          if (engineer->sequence == 0 || engineer->state_json().find("\"active\":true") == std::string::npos ||
              !principal.sees_region(string_member(engineer->state_json(), "region")))
            return Rejection{Errc::unprocessable, "\"" + assign->engineer_id + "\" is not an active engineer", ""};
        }
        return decide_request(s, id, cmd, now);
      },
      [this, call, id](CommandOutcome o) {
        answer_command(call, request_kind(), id, "/v1/requests/" + id, std::move(o));
      });
}

void ApiService::get_request(const CallPtr& call) {
  const std::string id = call->params[0];
  const auto as_of_text = query_value(call->target, "as_of");
  if (!as_of_text.empty()) {
    if (Status s = role_allows(*call->principal, Operation::read_history); !s) return call->fail(s);
    auto as_of = parse_rfc3339(as_of_text);
    if (!as_of) return call->fail(http::status::bad_request, "as_of must be an RFC 3339 date-time");
    return request_as_of(call, id, *as_of);
  }
  after_min_position(call, [this, call, id] {
    auto view = visible_request_view(*call->principal, id);
    if (!view) return call->fail(view.status());
    if (!*view) return call->fail(http::status::not_found, "no such request");
    call->view(std::move((*view)->row));
  });
}

void ApiService::request_as_of(const CallPtr& call, const std::string& id, Timestamp as_of) {
  after_min_position(call, [this, call, id, as_of] {
    // Visible now, and as it stood then.
    auto view = visible_request_view(*call->principal, id);
    if (!view) return call->fail(view.status());
    if (!*view) return call->fail(http::status::not_found, "no such request");
    auto events = events_of(d_.log, d_.store, "request/" + id);
    if (!events) return call->fail(events.status());
    FoldedState then;
    for (const auto& e : *events) {
      if (e.envelope.time > as_of) break;
      if (Status s = fold_envelope(then, e.envelope); !s) return call->fail(s);
    }
    if (then.state.empty()) return call->fail(http::status::not_found, "the request did not exist at that time");
    auto s = request_from_json(then.state);
    if (!s) return call->fail(s.status());
    if (!sees_request(*call->principal, s->region, s->engineer_id, s->customer_id))
      return call->fail(http::status::not_found, "the request did not exist at that time");
    call->json(http::status::ok, view_json(then.state, then.version));
  });
}

void ApiService::request_events(const CallPtr& call) {
  after_min_position(call, [this, call] {
    const std::string& id = call->params[0];
    auto view = visible_request_view(*call->principal, id);
    if (!view) return call->fail(view.status());
    if (!*view) return call->fail(http::status::not_found, "no such request");
    // A page at a time (limit 1..500, default 500), from after the
    // sequence in `cursor`: a request may have any number of events, and
    // this runs on an I/O thread.
    const Target& t = call->target;
    size_t limit = kMaxPageLimit;
    if (t.query.count("limit")) {
      auto l = page_limit(t);
      if (!l) return call->fail(http::status::bad_request, "limit must be 1..500");
      limit = *l;
    }
    uint64_t after = 0;
    if (auto c = t.query.find("cursor"); c != t.query.end()) {
      auto [p, ec] = std::from_chars(c->second.data(), c->second.data() + c->second.size(), after);
      if (ec != std::errc() || p != c->second.data() + c->second.size())
        return call->fail(http::status::bad_request, "cursor must be a next_cursor this endpoint returned");
    }
    auto events = events_of(d_.log, d_.store, "request/" + id, UINT64_MAX, after, limit + 1);
    if (!events) return call->fail(events.status());
    const bool more = events->size() > limit;
    if (more) events->pop_back();
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < events->size(); ++i) {
      if (i) body.push_back(',');
      body += (*events)[i].raw;
    }
    body += "],\"next_cursor\":";
    if (more) append_json_string(body, std::to_string(events->back().envelope.sequence));
    else body += "null";
    body += "}";
    call->json(http::status::ok, std::move(body));
  });
}

void ApiService::list_requests(const CallPtr& call) {
  const Target& t = call->target;
  const Principal& who = *call->principal;
  auto limit = page_limit(t);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  const std::string status = query_value(t, "status"), type = query_value(t, "type"), region = query_value(t, "region");
  std::string customer = query_value(t, "customer_id"), engineer = query_value(t, "engineer_id");
  if (!status.empty() && !status_from_name(status)) return call->fail(http::status::bad_request, "unknown status \"" + status + "\"");
  if (who.role == Role::customer) {
    if (!customer.empty() && customer != who.customer_id)
      return call->fail(http::status::forbidden, "customer tokens list only their own requests");
    customer = who.customer_id;
  }
  if (who.role == Role::engineer) {
    if (!engineer.empty() && engineer != who.engineer_id)
      return call->fail(http::status::forbidden, "engineer tokens list only their own requests");
    engineer = who.engineer_id;
  }
  // The most selective filter picks the index; the rest filter rows.
  std::string dim = "all/-/";
  if (!customer.empty()) dim = "customer/" + key_part(customer) + "/";
  else if (!engineer.empty()) dim = "engineer/" + key_part(engineer) + "/";
  else if (!status.empty()) dim = "status/" + status + "/";
  else if (!region.empty()) dim = "region/" + key_part(region) + "/";
  else if (!type.empty()) dim = "type/" + key_part(type) + "/";
  // A region-scoped token reads its regions' indexes only, merged: every row
  // it looks at, and so every cursor it gets, is one it may see.
  std::vector<std::string> prefixes;
  if (who.regions.empty()) prefixes.push_back("idx/" + dim);
  for (const auto& r : who.regions)
    if (region.empty() || region == r) prefixes.push_back("ridx/" + key_part(r) + "/" + dim);
  const std::string cursor = query_value(t, "cursor");
  if (!cursor.empty() && (cursor.size() < 18 || cursor[16] != '/' || cursor.find_first_not_of("0123456789abcdef") < 16))
    return call->fail(http::status::bad_request, "cursor is not one this server returned");
  after_min_position(call, [=, this, n = *limit] {
    std::string body = "{\"items\":[";
    size_t found = 0, looked = 0;
    std::string last;
    const size_t budget = n * 20 + 200;  // index rows looked at per page at most
    Status read;
    Status s = d_.store.visit_merged(RequestsProjection::kName, prefixes, cursor, [&](std::string_view suffix) {
      last = suffix;
      auto view = visible_request_view(*call->principal, key_part_value(suffix.substr(suffix.find('/') + 1)));
      if (!view) return read = view.status(), false;
      if (*view) {
        const RequestState& st = (*view)->state;
        const bool match = (status.empty() || status_name(st.status) == status) && (type.empty() || st.type == type) &&
                           (region.empty() || st.region == region) && (customer.empty() || st.customer_id == customer) &&
                           (engineer.empty() || st.engineer_id == engineer);
        if (match) {
          if (found++) body.push_back(',');
          body += (*view)->row;
        }
      }
      return found < n && ++looked < budget;
    });
    if (!s) return call->fail(s);
    if (!read) return call->fail(read);
    const bool more = found == n || looked == budget;
    body += "],\"next_cursor\":";
    if (more && !last.empty()) append_json_string(body, last);
    else body += "null";
    body += "}";
    call->json(http::status::ok, std::move(body));
  });
}

void ApiService::problem_stats(const CallPtr& call) {
  const Target& t = call->target;
  const std::string model = query_value(t, "product_model"), from = query_value(t, "from"), to = query_value(t, "to");
  std::optional<Timestamp> from_t, to_t;
  if (!from.empty() && !(from_t = parse_rfc3339(from))) return call->fail(http::status::bad_request, "from must be an RFC 3339 date-time");
  if (!to.empty() && !(to_t = parse_rfc3339(to))) return call->fail(http::status::bad_request, "to must be an RFC 3339 date-time");
  // Counts are kept per UTC day and region: from/to select whole days, a
  // region-scoped token counts its regions only.
  const std::string from_day = from_t ? format_rfc3339(*from_t).substr(0, 10) : "0000-00-00";
  const std::string to_day = to_t ? format_rfc3339(*to_t).substr(0, 10) : "9999-99-99";
  after_min_position(call, [=, this] {
    const Principal& who = *call->principal;
    std::map<std::pair<std::string, std::string>, int64_t> counts;
    const std::string prefix = model.empty() ? "p/" : "p/" + key_part(model) + "/";
    Status s = d_.store.visit(ProblemStatsProjection::kName, prefix, "", [&](std::string_view key, std::string_view value) {
      // p/<model>/<code>/<day>/<region>: the parts never hold a '/' (key_part).
      std::vector<std::string_view> parts;
      for (size_t at = 0; at != std::string_view::npos;) {
        const size_t slash = key.find('/', at);
        parts.push_back(key.substr(at, slash == std::string_view::npos ? slash : slash - at));
        at = slash == std::string_view::npos ? slash : slash + 1;
      }
      if (parts.size() != 5) return true;
      if (parts[3] < from_day || parts[3] > to_day) return true;
      if (!who.sees_region(key_part_value(parts[4]))) return true;
      counts[{key_part_value(parts[1]), key_part_value(parts[2])}] += decode_counter(value);
      return true;
    });
    if (!s) return call->fail(s);
    std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> rows(counts.begin(), counts.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    JsonWriter w;
    w.begin_object().key("items").begin_array();
    for (const auto& [k, n] : rows)
      w.begin_object().field("product_model", k.first).field("problem_code", k.second).field_int("count", n).end_object();
    w.end_array().end_object();
    call->json(http::status::ok, w.take());
  });
}

}  // namespace aftercare
