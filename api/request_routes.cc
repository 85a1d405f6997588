// The service request endpoints of api.md: intake, actions, the request
// view (now or as of a time), its events, lists, the customer screen pop and
// problem statistics. Role, region and engineer rules are enforced here —
// the ones that depend on the request's current state inside the serialized
// decide step, so they are checked against the state the command acts on.
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
constexpr size_t kDefaultLimit = 50, kMaxLimit = 500;

bool role_in(const Principal& p, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), p.role) != roles.end();
}

// Who may run each action (api.md → Roles). Admins and managers may do everything.
bool may_act(const Principal& p, std::string_view action) {
  if (role_in(p, {Role::admin, Role::manager})) return true;
  if (action == "open" || action == "resolve-remotely" || action == "callback" || action == "cancel")
    return p.role == Role::agent;
  if (action == "suspend" || action == "resume") return role_in(p, {Role::agent, Role::dispatcher});
  if (action == "assign") return p.role == Role::dispatcher;
  if (action == "report") return p.role == Role::engineer;
  return false;  // unlock: managers only
}

bool may_read_history(const Principal& p) {
  return role_in(p, {Role::manager, Role::auditor, Role::admin});
}

// The request's region and engineer decide whether this token may see it.
Status visible_to(const Principal& p, const RequestState& s) {
  if (!p.sees_region(s.region)) return {Errc::forbidden, "this token does not cover region \"" + s.region + "\""};
  if (p.role == Role::engineer && s.engineer_id != p.engineer_id)
    return {Errc::forbidden, "engineer tokens see only the requests assigned to their engineer"};
  return Status::ok();
}

Result<RequestState> state_of_view(const std::string& row) {
  auto view = split_view(row);
  if (!view) return Status{Errc::corruption, "malformed request view row"};
  return request_from_json(view->state);
}

std::optional<size_t> parse_limit(const Target& t) {
  auto it = t.query.find("limit");
  if (it == t.query.end()) return kDefaultLimit;
  size_t n = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc() || p != it->second.data() + it->second.size() || n < 1 || n > kMaxLimit)
    return std::nullopt;
  return n;
}

std::string query(const Target& t, const char* k) {
  auto it = t.query.find(k);
  return it == t.query.end() ? std::string() : it->second;
}

}  // namespace

void ApiService::after_min_position(const std::shared_ptr<Call>& call, std::function<void()> then) {
  const auto min = call->req["X-Min-Position"];
  if (min.empty()) return then();
  auto position = Position::from_token(min);
  if (!position) return call->fail(http::status::bad_request, "X-Min-Position is not a position token");
  d_.runner.when_applied(*position, kMaxPositionWait, [call, then = std::move(then)](bool reached) {
    if (!reached)
      return call->fail(http::status::gateway_timeout, "the read models did not reach X-Min-Position in 5 s");
    then();
  });
}

void ApiService::requests(const std::shared_ptr<Call>& call) {
  const auto& seg = call->target.segments;
  const auto method = call->req.method();
  if (seg.size() == 2) {
    if (method == http::verb::get) return list_requests(call);
    if (method == http::verb::post) return open_request(call);
    return call->fail(http::status::method_not_allowed, "use GET or POST");
  }
  if (seg.size() == 3) {
    if (method != http::verb::get) return call->fail(http::status::method_not_allowed, "use GET");
    return get_request(call, seg[2]);
  }
  if (seg.size() == 4 && seg[3] == "events") {
    if (method != http::verb::get) return call->fail(http::status::method_not_allowed, "use GET");
    return request_events(call, seg[2]);
  }
  if (seg.size() == 4) {
    if (method != http::verb::post) return call->fail(http::status::method_not_allowed, "use POST");
    return request_action(call, seg[2], seg[3]);
  }
  call->fail(http::status::not_found, "no such resource");
}

void ApiService::answer_command(const std::shared_ptr<Call>& call, const std::string& id, CommandOutcome o) {
  if (!o.status) {
    if (o.status.code() == Errc::conflict && !o.current_status.empty())
      return call->fail(http::status::conflict, o.status.message(),
                        "\"current_status\":\"" + o.current_status + "\"");
    return call->fail(o.status);
  }
  auto respond = [call, id, o](const std::string& state) {
    HttpResponse res{o.created ? http::status::created : http::status::ok, call->req.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::etag, "\"" + std::to_string(o.version) + "\"");
    res.set("X-Position", o.position.to_token());
    if (o.created) res.set(http::field::location, "/v1/requests/" + id);
    res.body() = view_json(state, o.version);
    res.prepare_payload();
    call->reply(std::move(res));
  };
  if (!o.state.empty()) return respond(o.state);
  original_state(call, AggregateKind::request, id, o, respond);
}

void ApiService::original_state(const std::shared_ptr<Call>& call, AggregateKind kind, const std::string& id,
                                const CommandOutcome& o, std::function<void(const std::string&)> respond) {
  d_.runner.when_applied(o.position, kMaxPositionWait, [this, call, kind, id, version = o.version, respond](bool reached) {
    if (!reached) return call->fail(http::status::service_unavailable, "the original outcome is not readable yet; retry");
    const std::string subject = std::string(aggregate_name(kind)) + "/" + id;
    auto events = events_of(d_.log, d_.store, subject, version);
    if (!events) return call->fail(events.status());
    FoldedState then;
    for (const auto& e : *events)
      if (Status s = fold_envelope(then, e.envelope); !s) return call->fail(s);
    if (then.version != version) return call->fail(Status{Errc::corruption, "events index is missing events of " + subject});
    respond(then.state);
  });
}

void ApiService::open_request(const std::shared_ptr<Call>& call) {
  const Principal& who = *call->principal;
  if (!may_act(who, "open")) return call->fail(http::status::forbidden, "this role may not open requests");
  simdjson::dom::parser parser;
  auto body = ApiService::command_body(*call, parser);
  if (!body) return;
  auto decoded = decode_request_command("open", *body);
  if (!decoded) return call->fail(decoded.status());
  auto ctx = ApiService::command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  OpenRequest cmd = std::get<OpenRequest>(std::move(decoded).value());

  // The customer must be known; the unit, if named, must be theirs.
  auto customer = d_.aggregates.load(AggregateKind::customer, cmd.customer_id);
  if (!customer) return call->fail(customer.status());
  if (customer->sequence == 0)
    return call->fail(http::status::unprocessable_entity, "unknown customer \"" + cmd.customer_id + "\"");
  simdjson::dom::parser p2;
  auto cust = parse_strict(p2, customer->state);
  std::string_view region;
  if (cust && cmd.region.empty() && !(*cust)["region"].get_string().get(region)) cmd.region = region;
  if (cmd.region.empty()) return call->fail(http::status::unprocessable_entity, "\"region\" is required");
  if (!cmd.serial_no.empty()) {
    auto unit = d_.aggregates.load(AggregateKind::unit, cmd.serial_no);
    if (!unit) return call->fail(unit.status());
    simdjson::dom::parser p3;
    auto u = unit->sequence ? parse_strict(p3, unit->state) : Result<simdjson::dom::element>(Status{Errc::not_found, ""});
    std::string_view owner, model;
    if (!u || (*u)["customer_id"].get_string().get(owner) || owner != cmd.customer_id)
      return call->fail(http::status::unprocessable_entity,
                        "unit \"" + cmd.serial_no + "\" is not an installed unit of customer \"" + cmd.customer_id + "\"");
    if (cmd.product_model.empty() && !(*u)["product_model"].get_string().get(model)) cmd.product_model = model;
  }
  if (!who.sees_region(cmd.region))
    return call->fail(http::status::forbidden, "this token does not cover region \"" + cmd.region + "\"");

  const std::string id = call->req.find("Idempotency-Key") != call->req.end()
                             ? "R-" + to_hex(sha256(ctx->command_id)).substr(0, 20)
                             : "R-" + to_hex(sha256(random_uuid())).substr(0, 20);
  d_.bus.execute(
      AggregateKind::request, id, std::move(ctx).value(),
      [cmd = std::move(cmd), id](const AggregateHead& head, Timestamp now) -> Decision {
        RequestState s;
        if (head.sequence > 0) {
          auto st = request_from_json(head.state);
          if (!st) return Rejection{st.status().code(), st.status().message(), ""};
          s = std::move(st).value();
        }
        return decide_request(s, id, cmd, now);
      },
      [this, call, id](CommandOutcome o) { answer_command(call, id, std::move(o)); });
}

void ApiService::request_action(const std::shared_ptr<Call>& call, const std::string& id,
                                const std::string& action) {
  const Principal& who = *call->principal;
  simdjson::dom::parser parser;
  auto body = ApiService::command_body(*call, parser);
  if (!body) return;
  auto decoded = decode_request_command(action, *body);
  if (!decoded) {
    if (decoded.status().code() == Errc::not_found) return call->fail(http::status::not_found, "no such action");
    return call->fail(decoded.status());
  }
  if (!may_act(who, action))
    return call->fail(http::status::forbidden, "the " + std::string(role_name(who.role)) + " role may not " + action);
  auto ctx = ApiService::command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  RequestCommand cmd = std::move(decoded).value();
  if (auto* assign = std::get_if<AssignRequest>(&cmd)) {
    auto engineer = d_.aggregates.load(AggregateKind::engineer, assign->engineer_id);
    if (!engineer) return call->fail(engineer.status());
    if (engineer->sequence == 0 || engineer->state.find("\"active\":true") == std::string::npos)
      return call->fail(http::status::unprocessable_entity,
                        "\"" + assign->engineer_id + "\" is not an active engineer");
  }
  const Principal principal = who;
  d_.bus.execute(
      AggregateKind::request, id, std::move(ctx).value(),
      [cmd = std::move(cmd), id, principal](const AggregateHead& head, Timestamp now) -> Decision {
        if (head.sequence == 0) return Rejection{Errc::not_found, "no such request", ""};
        auto s = request_from_json(head.state);
        if (!s) return Rejection{s.status().code(), s.status().message(), ""};
        if (Status v = visible_to(principal, *s); !v) return Rejection{v.code(), v.message(), ""};
        return decide_request(*s, id, cmd, now);
      },
      [this, call, id](CommandOutcome o) { answer_command(call, id, std::move(o)); });
}

void ApiService::get_request(const std::shared_ptr<Call>& call, const std::string& id) {
  const auto as_of_text = query(call->target, "as_of");
  if (!as_of_text.empty()) {
    if (!may_read_history(*call->principal))
      return call->fail(http::status::forbidden, "as_of is for managers, auditors and admins");
    auto as_of = parse_rfc3339(as_of_text);
    if (!as_of) return call->fail(http::status::bad_request, "as_of must be an RFC 3339 date-time");
    return after_min_position(call, [this, call, id, t = *as_of] {
      auto events = events_of(d_.log, d_.store, "request/" + id);
      if (!events) return call->fail(events.status());
      FoldedState then;
      for (const auto& e : *events) {
        if (e.envelope.time > t) break;
        if (Status s = fold_envelope(then, e.envelope); !s) return call->fail(s);
      }
      const auto& [state, version] = then;
      if (state.empty()) return call->fail(http::status::not_found, "the request did not exist at that time");
      auto s = request_from_json(state);
      if (!s) return call->fail(s.status());
      if (Status v = visible_to(*call->principal, *s); !v) return call->fail(v);
      call->json(http::status::ok, view_json(state, version));
    });
  }
  after_min_position(call, [this, call, id] {
    auto view = d_.store.get(RequestsProjection::kName, "view/" + id);
    if (!view) return call->fail(http::status::not_found, "no such request");
    auto s = state_of_view(*view);
    if (!s) return call->fail(s.status());
    if (Status v = visible_to(*call->principal, *s); !v) return call->fail(v);
    call->view(std::move(*view));
  });
}

void ApiService::request_events(const std::shared_ptr<Call>& call, const std::string& id) {
  if (!may_read_history(*call->principal))
    return call->fail(http::status::forbidden, "events are for managers, auditors and admins");
  after_min_position(call, [this, call, id] {
    auto view = d_.store.get(RequestsProjection::kName, "view/" + id);
    if (!view) return call->fail(http::status::not_found, "no such request");
    auto s = state_of_view(*view);
    if (Status v = visible_to(*call->principal, *s); !v) return call->fail(v);
    auto events = events_of(d_.log, d_.store, "request/" + id);
    if (!events) return call->fail(events.status());
    std::string body = "{\"items\":[";
    for (size_t i = 0; i < events->size(); ++i) {
      if (i) body.push_back(',');
      body += (*events)[i].raw;
    }
    body += "]}";
    call->json(http::status::ok, std::move(body));
  });
}

void ApiService::list_requests(const std::shared_ptr<Call>& call) {
  const Target& t = call->target;
  const Principal& who = *call->principal;
  auto limit = parse_limit(t);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  const std::string status = query(t, "status"), type = query(t, "type"), region = query(t, "region");
  std::string customer = query(t, "customer_id"), engineer = query(t, "engineer_id");
  if (!status.empty() && !status_from_name(status)) return call->fail(http::status::bad_request, "unknown status \"" + status + "\"");
  if (who.role == Role::engineer) {
    if (!engineer.empty() && engineer != who.engineer_id)
      return call->fail(http::status::forbidden, "engineer tokens list only their own requests");
    engineer = who.engineer_id;
  }
  // The most selective filter picks the index; the rest filter rows.
  std::string prefix = "idx/all/-/";
  if (!customer.empty()) prefix = "idx/customer/" + key_part(customer) + "/";
  else if (!engineer.empty()) prefix = "idx/engineer/" + key_part(engineer) + "/";
  else if (!status.empty()) prefix = "idx/status/" + status + "/";
  else if (!region.empty()) prefix = "idx/region/" + key_part(region) + "/";
  else if (!type.empty()) prefix = "idx/type/" + key_part(type) + "/";
  const std::string cursor = query(t, "cursor");
  if (!cursor.empty() && (cursor.size() < 18 || cursor[16] != '/' || cursor.find_first_not_of("0123456789abcdef") < 16))
    return call->fail(http::status::bad_request, "cursor is not one this server returned");
  after_min_position(call, [=, this, n = *limit] {
    std::string body = "{\"items\":[";
    size_t found = 0;
    std::string last, start = cursor.empty() ? std::string() : prefix + cursor + '\x01';
    const size_t budget = n * 20 + 200;  // index rows looked at per page at most
    // The view of the request an index row names, if it passes every filter.
    auto matching_view = [&](const std::string& id) -> std::optional<std::string> {
      auto view = d_.store.get(RequestsProjection::kName, "view/" + id);
      if (!view) return std::nullopt;
      auto s = state_of_view(*view);
      if (!s || !visible_to(*call->principal, *s)) return std::nullopt;
      if ((!status.empty() && status_name(s->status) != status) || (!type.empty() && s->type != type) ||
          (!region.empty() && s->region != region) || (!customer.empty() && s->customer_id != customer) ||
          (!engineer.empty() && s->engineer_id != engineer))
        return std::nullopt;
      return view;
    };
    size_t looked = 0;
    d_.store.visit(RequestsProjection::kName, prefix, start, [&](std::string_view key, std::string_view) {
      last = key.substr(prefix.size());
      if (auto view = matching_view(last.substr(last.find('/') + 1))) {
        if (found++) body.push_back(',');
        body += *view;
      }
      return found < n && ++looked < budget;
    });
    const bool more = found == n || looked == budget;
    body += "],\"next_cursor\":";
    if (more && !last.empty()) append_json_string(body, last);
    else body += "null";
    body += "}";
    call->json(http::status::ok, std::move(body));
  });
}

void ApiService::customer_history(const std::shared_ptr<Call>& call, const std::string& id) {
  after_min_position(call, [this, call, id] {
    auto customer = d_.store.get(MasterView::kName, "customer/" + id);
    if (!customer) return call->fail(http::status::not_found, "no such customer");
    simdjson::dom::parser parser;
    std::string_view region;
    auto doc = parse_strict(parser, *customer);
    if (doc && !(*doc)["region"].get_string().get(region) && !call->principal->sees_region(region))
      return call->fail(http::status::forbidden, "this token does not cover the customer's region");
    std::string body = "{\"customer\":" + *customer + ",\"units\":[";
    size_t n = 0;
    for (const auto& [key, unused] : d_.store.scan(MasterView::kName, "units/" + key_part(id) + "/", "", 500)) {
      auto unit = d_.store.get(MasterView::kName, "unit/" + key.substr(key.rfind('/') + 1));
      if (!unit) continue;
      if (n++) body.push_back(',');
      body += *unit;
    }
    body += "],\"requests\":[";
    n = 0;
    for (const auto& [key, unused] : d_.store.scan(RequestsProjection::kName, "idx/customer/" + key_part(id) + "/", "", 100)) {
      auto view = d_.store.get(RequestsProjection::kName, "view/" + key.substr(key.rfind('/') + 1));
      if (!view) continue;
      auto s = state_of_view(*view);
      if (!s || !visible_to(*call->principal, *s)) continue;
      if (n++) body.push_back(',');
      body += *view;
    }
    const int64_t open = decode_counter(d_.store.get(RequestsProjection::kName, "open/" + key_part(id)).value_or(""));
    body += "],\"open_requests\":" + std::to_string(open) + "}";
    call->json(http::status::ok, std::move(body));
  });
}

void ApiService::problem_stats(const std::shared_ptr<Call>& call) {
  const Target& t = call->target;
  const std::string model = query(t, "product_model"), from = query(t, "from"), to = query(t, "to");
  std::optional<Timestamp> from_t, to_t;
  if (!from.empty() && !(from_t = parse_rfc3339(from))) return call->fail(http::status::bad_request, "from must be an RFC 3339 date-time");
  if (!to.empty() && !(to_t = parse_rfc3339(to))) return call->fail(http::status::bad_request, "to must be an RFC 3339 date-time");
  // Counts are kept per UTC day: from/to select whole days.
  const std::string from_day = from_t ? format_rfc3339(*from_t).substr(0, 10) : "0000-00-00";
  const std::string to_day = to_t ? format_rfc3339(*to_t).substr(0, 10) : "9999-99-99";
  after_min_position(call, [=, this] {
    std::map<std::pair<std::string, std::string>, int64_t> counts;
    const std::string prefix = model.empty() ? "p/" : "p/" + key_part(model) + "/";
    for (const auto& [key, value] : d_.store.scan(ProblemStatsProjection::kName, prefix, "", SIZE_MAX)) {
      // p/<model>/<code>/<day>
      const size_t a = key.find('/', 2), b = key.rfind('/');
      const std::string day = key.substr(b + 1);
      if (day < from_day || day > to_day) continue;
      counts[{key.substr(2, a - 2), key.substr(a + 1, b - a - 1)}] += decode_counter(value);
    }
    std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> rows(counts.begin(), counts.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    auto unescape = [](std::string s) {
      for (size_t i; (i = s.find("%2F")) != std::string::npos;) s.replace(i, 3, "/");
      for (size_t i; (i = s.find("%25")) != std::string::npos;) s.replace(i, 3, "%");
      return s;
    };
    JsonWriter w;
    w.begin_object().key("items").begin_array();
    for (const auto& [k, n] : rows)
      w.begin_object().field("product_model", unescape(k.first)).field("problem_code", unescape(k.second)).field_int("count", n).end_object();
    w.end_array().end_object();
    call->json(http::status::ok, w.take());
  });
}

}  // namespace aftercare
