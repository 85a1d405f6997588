#include "api/service.h"

#include <thread>

#include "api/call.h"
#include "api/openapi.h"
#include "api/problem.h"
#include "api/request_util.h"
#include "domain/text.h"
#include "base/ids.h"
#include "base/metrics.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "projections/master_view.h"
#include "projections/view_row.h"

namespace aftercare {
namespace {


struct HttpMetrics {
  Counter& requests = metrics().counter("aftercare_http_requests_total", "HTTP requests answered");
  Counter& errors_4xx = metrics().counter("aftercare_http_client_errors_total", "4xx responses");
  Counter& errors_5xx = metrics().counter("aftercare_http_server_errors_total", "5xx responses");
  Histogram& latency = metrics().histogram("aftercare_http_request_latency_seconds",
                                           "From a request's arrival to its response",
                                           latency_buckets());
};

HttpMetrics& http_metrics() {
  static HttpMetrics* m = new HttpMetrics();
  return *m;
}


}  // namespace

void record_http_metrics(int status, std::chrono::steady_clock::time_point started) {
  auto& m = http_metrics();
  m.requests.inc();
  if (status >= 500) m.errors_5xx.inc();
  else if (status >= 400) m.errors_4xx.inc();
  m.latency.observe_us(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started).count()));
}

Result<CommandContext> ApiService::command_context(const Call& call) {
  return command_context_of(call.req, call.principal->actor);
}

// The JSON body of a command ("{}" when empty). On a wrong content type
// (415) or malformed JSON (400) it answers the call and returns nullopt.
std::optional<simdjson::dom::element> ApiService::command_body(Call& call, simdjson::dom::parser& parser) {
  std::string_view body = call.req.body();
  if (body.empty()) {
    body = "{}";
  } else if (!is_json_content_type(call.req[http::field::content_type])) {
    call.fail(http::status::unsupported_media_type, "send Content-Type: application/json");
    return std::nullopt;
  }
  auto doc = parse_strict(parser, body);
  if (!doc) {
    call.fail(doc.status());
    return std::nullopt;
  }
  return *doc;
}

ApiService::ApiService(ApiDeps deps) : d_(deps), access_(deps.store) {
  http_metrics();  // registered up front, so /metrics lists them from the start
}

const std::vector<ApiService::Route>& ApiService::routes() {
  using V = http::verb;
  using O = Operation;
  static const std::vector<Route> kRoutes = {
      {V::get, "/healthz", O::public_info, {}, &ApiService::healthz},
      {V::get, "/readyz", O::public_info, {}, &ApiService::readyz},
      {V::get, "/metrics", O::public_info, {}, &ApiService::metrics_text},
      {V::get, "/openapi.json", O::public_info, {}, &ApiService::openapi},
      // The console and the portal (web/): static files, no token; they call the API below.
      {V::get, "/", O::public_info, {}, &ApiService::static_file},
      {V::get, "/portal", O::public_info, {}, &ApiService::static_file},
      {V::get, "/assets/{file}", O::public_info, {}, &ApiService::static_file},
      {V::get, "/v1/me", O::read_request, {}, &ApiService::whoami},
      {V::get, "/v1/lookup", O::read_field, {}, &ApiService::lookup},
      {V::post, "/v1/customers/{id}/portal-token", O::issue_portal_token, {}, &ApiService::issue_portal_token},
      {V::get, "/v1/requests", O::read_request, {}, &ApiService::list_requests},
      {V::post, "/v1/requests", O::open_request, {}, &ApiService::open_request},
      {V::get, "/v1/requests/{id}", O::read_request, {}, &ApiService::get_request},
      {V::get, "/v1/requests/{id}/events", O::read_history, {}, &ApiService::request_events},
      {V::post, "/v1/requests/{id}/assign", O::act_on_request, "assign", &ApiService::dispatch_request},
      {V::post, "/v1/requests/{id}/dispatch", O::act_on_request, "dispatch", &ApiService::dispatch_request},
      {V::get, "/v1/requests/{id}/dispatch-candidates", O::read_candidates, {}, &ApiService::dispatch_candidates},
      {V::post, "/v1/requests/{id}/suspend", O::act_on_request, "suspend", &ApiService::request_action},
      {V::post, "/v1/requests/{id}/resume", O::act_on_request, "resume", &ApiService::request_action},
      {V::post, "/v1/requests/{id}/report", O::act_on_request, "report", &ApiService::request_action},
      {V::post, "/v1/requests/{id}/resolve-remotely", O::act_on_request, "resolve-remotely", &ApiService::request_action},
      {V::post, "/v1/requests/{id}/callback", O::act_on_request, "callback", &ApiService::request_action},
      {V::post, "/v1/requests/{id}/unlock", O::act_on_request, "unlock", &ApiService::request_action},
      {V::post, "/v1/requests/{id}/cancel", O::act_on_request, "cancel", &ApiService::request_action},
      {V::get, "/v1/customers/{id}/history", O::read_request, {}, &ApiService::customer_history},
      {V::get, "/v1/stats/problems", O::read_stats, {}, &ApiService::problem_stats},
      {V::get, "/v1/dispatches", O::read_field, {}, &ApiService::list_dispatches},
      {V::get, "/v1/dispatches/{id}", O::read_field, {}, &ApiService::get_dispatch},
      {V::get, "/v1/dispatches/{id}/events", O::read_history, {}, &ApiService::dispatch_events},
      {V::post, "/v1/dispatches/{id}/accept", O::act_on_dispatch, "accept", &ApiService::dispatch_action},
      {V::post, "/v1/dispatches/{id}/decline", O::act_on_dispatch, "decline", &ApiService::dispatch_action},
      {V::post, "/v1/dispatches/{id}/depart", O::act_on_dispatch, "depart", &ApiService::dispatch_action},
      {V::post, "/v1/dispatches/{id}/arrive", O::act_on_dispatch, "arrive", &ApiService::dispatch_action},
      {V::post, "/v1/dispatches/{id}/finish", O::act_on_dispatch, "finish", &ApiService::dispatch_action},
      {V::post, "/v1/dispatches/{id}/cancel", O::act_on_dispatch, "cancel", &ApiService::dispatch_action},
      {V::get, "/v1/visits/{id}", O::read_field, {}, &ApiService::get_visit},
      {V::post, "/v1/visits/{id}/parts", O::act_on_dispatch, "parts", &ApiService::visit_parts},
      {V::post, "/v1/visits/{id}/complete", O::act_on_dispatch, "complete", &ApiService::complete_visit},
      {V::get, "/v1/requests/{id}/visits", O::read_field, {}, &ApiService::request_visits},
      {V::get, "/v1/outlets/{id}/settlement", O::read_settlement, {}, &ApiService::outlet_settlement},
      {V::get, "/v1/parts/{part_no}/demand", O::read_stats, {}, &ApiService::part_demand_report},
      {V::get, "/v1/stats/parts-abc", O::read_stats, {}, &ApiService::parts_abc},
      {V::get, "/v1/stats/parts-hit-rate", O::read_stats, {}, &ApiService::parts_hit_rate},
      {V::get, "/v1/engineers", O::read_field, {}, &ApiService::engineers_board},
      {V::get, "/v1/engineers/{id}/dispatches", O::read_field, {}, &ApiService::engineer_dispatches},
      {V::post, "/v1/engineers/{id}/status", O::report_status, {}, &ApiService::report_status},
      {V::get, "/v1/stock", O::read_stock, {}, &ApiService::list_stock},
      {V::post, "/v1/stock/receipts", O::move_stock, "receipts", &ApiService::stock_command},
      {V::post, "/v1/stock/counts", O::move_stock, "counts", &ApiService::stock_command},
      {V::post, "/v1/stock/returns", O::move_stock, "returns", &ApiService::stock_command},
      // Before the item routes: /v1/stock/transfers/{id} has as many segments as /v1/stock/{warehouse_id}/{part_no}.
      {V::post, "/v1/stock/transfers", O::move_stock, {}, &ApiService::request_transfer},
      {V::get, "/v1/stock/transfers/{id}", O::read_stock, {}, &ApiService::get_transfer},
      {V::post, "/v1/stock/transfers/{id}/receive", O::move_stock, {}, &ApiService::receive_transfer},
      {V::get, "/v1/stock/{warehouse_id}/{part_no}", O::read_stock, {}, &ApiService::get_stock_item},
      {V::get, "/v1/stock/{warehouse_id}/{part_no}/movements", O::read_stock, {}, &ApiService::stock_movements},
      {V::put, "/v1/stock/{warehouse_id}/{part_no}/policy", O::move_stock, {}, &ApiService::stock_policy},
      {V::get, "/v1/webhooks", O::manage_webhooks, {}, &ApiService::list_webhooks},
      {V::get, "/v1/webhooks/{id}", O::manage_webhooks, {}, &ApiService::get_webhook},
      {V::put, "/v1/webhooks/{id}", O::manage_webhooks, {}, &ApiService::put_webhook},
      {V::get, "/v1/webhooks/{id}/deliveries", O::manage_webhooks, {}, &ApiService::webhook_deliveries},
  };
  static const std::vector<Route> kAll = [] {
    std::vector<Route> all = kRoutes;
    // GET and PUT for every registered master record kind.
    static std::vector<std::string> patterns;  // the routes' string_views point here
    for (const AggregateKind& k : all_kinds())
      if (k.master()) patterns.push_back("/v1/" + std::string(k.master()->collection) + "/{" +
                                         std::string(k.master()->id_name) + "}");
    for (const std::string& pattern : patterns) {
      all.push_back({V::get, pattern, O::read_master, {}, &ApiService::get_master});
      all.push_back({V::put, pattern, O::write_master, {}, &ApiService::put_master});
    }
    // POST /v1/<collection>/{id}/<action> for every lifecycle action (outlets: certify, ...).
    static std::vector<std::string> action_patterns;
    std::vector<std::pair<size_t, std::string_view>> actions;
    for (const AggregateKind& k : all_kinds())
      if (k.master() && k.master()->lifecycle)
        for (const LifecycleAction& a : k.master()->lifecycle->actions) {
          action_patterns.push_back("/v1/" + std::string(k.master()->collection) + "/{" +
                                    std::string(k.master()->id_name) + "}/" + std::string(a.action));
          actions.emplace_back(action_patterns.size() - 1, a.action);
        }
    for (const auto& [i, action] : actions)
      all.push_back({V::post, action_patterns[i], O::write_master, action, &ApiService::master_action});
    return all;
  }();
  return kAll;
}

namespace {

// Whether `pattern` ("/v1/requests/{id}") matches the decoded segments; the
// placeholders' values go to `params`.
bool matches(std::string_view pattern, const std::vector<std::string>& segments,
             std::vector<std::string>& params) {
  params.clear();
  pattern.remove_prefix(1);
  size_t i = 0;
  while (!pattern.empty()) {
    const size_t slash = pattern.find('/');
    const std::string_view part = pattern.substr(0, slash);
    if (i >= segments.size()) return false;
    if (part.starts_with('{')) {
      if (segments[i].empty()) return false;
      params.push_back(segments[i]);
    } else if (part != segments[i]) {
      return false;
    }
    ++i;
    pattern = slash == std::string_view::npos ? std::string_view{} : pattern.substr(slash + 1);
  }
  return i == segments.size();
}

}  // namespace

void ApiService::handle(HttpRequest request, Responder respond) {
  auto call = std::make_shared<Call>();
  call->req = std::move(request);
  call->respond = std::move(respond);
  auto target = parse_target(call->req.target());
  if (!target) return call->fail(http::status::bad_request, "the request target is not a valid path");
  call->target = std::move(*target);
  dispatch(call);
}

// Finds the route, authenticates, applies the role table, and runs it.
void ApiService::dispatch(const CallPtr& call) {
  const http::verb method = call->req.method() == http::verb::head ? http::verb::get : call->req.method();
  std::string allow;
  std::vector<std::string> params;
  for (const Route& r : routes()) {
    if (!matches(r.pattern, call->target.segments, params)) continue;
    if (r.method != method) {
      if (allow.find(http::to_string(r.method)) == std::string::npos)
        allow += (allow.empty() ? "" : ", ") + std::string(http::to_string(r.method));
      if (r.method == http::verb::get) allow += ", HEAD";
      continue;
    }
    call->route = &r;
    call->params = std::move(params);
    if (r.operation != Operation::public_info) {
      // The scheme name is case-insensitive (RFC 9110 §11.1).
      const auto auth = call->req[http::field::authorization];
      if (auth.size() < 7 || !boost::beast::iequals(auth.substr(0, 7), "Bearer "))
        return call->fail(http::status::unauthorized, "a valid bearer token is required");
      const std::string_view token = auth.substr(7);
      if (Tokens::is_portal_token(token)) {
        call->portal_principal = d_.tokens.find_portal(token, d_.clock.now().ms / 1000);
        if (call->portal_principal) call->principal = &*call->portal_principal;
      } else {
        call->principal = d_.tokens.find(token);
      }
      if (!call->principal) return call->fail(http::status::unauthorized, "a valid bearer token is required");
      if (Status s = role_allows(*call->principal, r.operation, r.action); !s) return call->fail(s);
    }
    return (this->*r.handler)(call);
  }
  if (allow.empty()) return call->fail(http::status::not_found, "no such resource");
  HttpResponse res = problem(http::status::method_not_allowed, "use " + allow, call->req.version(), true);
  res.set(http::field::allow, allow);
  call->reply(std::move(res));
}

void ApiService::healthz(const CallPtr& call) { call->json(http::status::ok, R"({"status":"ok"})"); }

void ApiService::metrics_text(const CallPtr& call) {
  call->json(http::status::ok, metrics().render(), "text/plain; version=0.0.4");
}

void ApiService::openapi(const CallPtr& call) {
  call->json(http::status::ok, std::string(openapi_document()));
}

void ApiService::readyz(const CallPtr& call) {
  auto not_ready = [&](const std::string& why) {
    call->fail(http::status::service_unavailable, "not ready: " + why);
  };
  if (Status s = d_.log.health(); !s) return not_ready(s.message());
  if (Status s = d_.read_side.health(); !s) return not_ready("projections stopped: " + s.message());
  if (!d_.bus.ready()) return not_ready("the write side is catching up with the log");
  // Ready when the projections reach today's end of the log within 1 s.
  Position end;
  const Position applied = d_.read_side.applied();
  for (const auto& [tp, next] : applied.entries()) {
    auto e = d_.log.end_offset(tp);
    if (!e) return not_ready(e.status().message());
    end.advance(tp, *e);
  }
  d_.read_side.when_applied(end, std::chrono::milliseconds(1000), [call, this](bool reached) {
    if (reached) return call->json(http::status::ok, R"({"status":"ready"})");
    const std::string rebuilding = d_.read_side.rebuilding();
    call->fail(http::status::service_unavailable,
               rebuilding.empty() ? "not ready: projections are " + std::to_string(d_.read_side.lag()) + " events behind"
                                  : "not ready: rebuilding read models (" + rebuilding + "); commands are served");
  });
}

}  // namespace aftercare
