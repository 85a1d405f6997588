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

std::optional<MasterKind> master_kind(std::string_view collection) {
  if (collection == "customers") return MasterKind::customer;
  if (collection == "engineers") return MasterKind::engineer;
  if (collection == "units") return MasterKind::unit;
  return std::nullopt;
}

AggregateKind aggregate_of(MasterKind k) {
  switch (k) {
    case MasterKind::customer: return AggregateKind::customer;
    case MasterKind::engineer: return AggregateKind::engineer;
    case MasterKind::unit: return AggregateKind::unit;
  }
  return AggregateKind::customer;
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

// The command id: derived from the Idempotency-Key when there is one.
Result<CommandContext> ApiService::command_context(const Call& call) {
  CommandContext ctx;
  ctx.actor = call.principal->actor;
  const auto key = call.req["Idempotency-Key"];
  if (call.req.find("Idempotency-Key") != call.req.end()) {
    if (!is_visible_ascii(key, 128))
      return Status{Errc::invalid_argument, "Idempotency-Key must be 1..128 visible ASCII characters"};
    ctx.command_id = uuid_from_name("idempotency\n" + ctx.actor + "\n" + std::string(key));
    ctx.derived_id = true;
  } else {
    ctx.command_id = random_uuid();
  }
  // Copied into every event's envelope: refuse anything but a short token of
  // visible ASCII, so that no header can put bytes into the log that would
  // not decode again (or that a consumer would have to sanitise).
  if (call.req.find("X-Correlation-Id") != call.req.end()) {
    const auto corr = call.req["X-Correlation-Id"];
    if (!is_visible_ascii(corr, 128))
      return Status{Errc::invalid_argument, "X-Correlation-Id must be 1..128 visible ASCII characters"};
    ctx.correlation_id = std::string(corr);
  } else {
    ctx.correlation_id = ctx.command_id;
  }
  if (auto h = call.req.find(http::field::if_match); h != call.req.end()) {
    auto v = parse_etag(h->value());
    if (!v) return Status{Errc::invalid_argument, "If-Match must be an ETag like \"3\""};
    ctx.expected_version = v;
  }
  ctx.fingerprint = to_hex(sha256(std::string(http::to_string(call.req.method())) + " " +
                                  std::string(call.req.target()) + "\n" + call.req.body()));
  return ctx;
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

ApiService::ApiService(ApiDeps deps) : d_(deps) {
  http_metrics();  // registered up front, so /metrics lists them from the start
}

void ApiService::handle(HttpRequest request, Responder respond) {
  auto call = std::make_shared<Call>();
  call->req = std::move(request);
  call->respond = std::move(respond);
  auto target = parse_target(call->req.target());
  if (!target) return call->fail(http::status::bad_request, "the request target is not a valid path");
  call->target = std::move(*target);
  route(call);
}

void ApiService::route(const std::shared_ptr<Call>& call) {
  const auto& seg = call->target.segments;
  if (seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "readyz" || seg[0] == "metrics" ||
                          seg[0] == "openapi.json"))
    return operations(call, seg[0]);
  if (seg.empty() || seg[0] != "v1") return call->fail(http::status::not_found, "no such resource");

  // Everything under /v1 needs a token.
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  const auto auth = call->req[http::field::authorization];
  if (auth.size() < 7 || !boost::beast::iequals(auth.substr(0, 7), "Bearer ") ||
      !(call->principal = d_.tokens.find(auth.substr(7))))
    return call->fail(http::status::unauthorized, "a valid bearer token is required");

  if (seg.size() >= 2 && seg[1] == "requests") return requests(call);
  if (seg.size() == 4 && seg[1] == "customers" && seg[3] == "history") {
    if (call->req.method() != http::verb::get) return call->fail(http::status::method_not_allowed, "use GET");
    return customer_history(call, seg[2]);
  }
  if (seg.size() == 3 && seg[1] == "stats" && seg[2] == "problems") {
    if (call->req.method() != http::verb::get) return call->fail(http::status::method_not_allowed, "use GET");
    return problem_stats(call);
  }
  if (seg.size() == 3 && master_kind(seg[1])) return master_data(call, seg[1], seg[2]);
  call->fail(http::status::not_found, "no such resource");
}

void ApiService::operations(const std::shared_ptr<Call>& call, std::string_view path) {
  if (call->req.method() != http::verb::get && call->req.method() != http::verb::head)
    return call->fail(http::status::method_not_allowed, "only GET is allowed here");
  if (path == "healthz") return call->json(http::status::ok, R"({"status":"ok"})");
  if (path == "metrics")
    return call->json(http::status::ok, metrics().render(), "text/plain; version=0.0.4");
  if (path == "openapi.json") return call->json(http::status::ok, std::string(openapi_document()));
  readyz(call);
}

void ApiService::readyz(const std::shared_ptr<Call>& call) {
  auto not_ready = [&](const std::string& why) {
    call->fail(http::status::service_unavailable, "not ready: " + why);
  };
  if (Status s = d_.log.health(); !s) return not_ready(s.message());
  if (Status s = d_.runner.health(); !s) return not_ready("projections stopped: " + s.message());
  if (!d_.bus.ready()) return not_ready("the write side is catching up with the log");
  // Ready when the projections reach today's end of the log within 1 s.
  Position end;
  const Position applied = d_.runner.applied();
  for (const auto& [tp, next] : applied.entries()) {
    auto e = d_.log.end_offset(tp);
    if (!e) return not_ready(e.status().message());
    end.advance(tp, *e);
  }
  d_.runner.when_applied(end, std::chrono::milliseconds(1000), [call, this](bool reached) {
    if (reached) return call->json(http::status::ok, R"({"status":"ready"})");
    call->fail(http::status::service_unavailable,
               "not ready: projections are " + std::to_string(d_.runner.lag()) + " events behind");
  });
}

void ApiService::master_data(const std::shared_ptr<Call>& call, std::string_view collection,
                             std::string id) {
  switch (call->req.method()) {
    case http::verb::get: return get_master(call, collection, std::move(id));
    case http::verb::put: return put_master(call, collection, std::move(id));
    default: return call->fail(http::status::method_not_allowed, "use GET or PUT");
  }
}

void ApiService::put_master(const std::shared_ptr<Call>& call, std::string_view collection,
                            std::string id) {
  if (call->principal->role != Role::admin)
    return call->fail(http::status::forbidden, "only admin tokens may change master data");
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  const MasterKind kind = *master_kind(collection);
  auto normalized = normalize_master(kind, id, *body);
  if (!normalized) return call->fail(normalized.status());

  const std::string location = "/v1/" + std::string(collection) + "/" + id;
  d_.bus.execute(
      aggregate_of(kind), id, std::move(ctx).value(),
      [normalized = std::move(normalized).value()](const AggregateHead& head, Timestamp now) {
        return decide_upsert(master_record(head.state), normalized, now);
      },
      [this, call, location, kind, id](CommandOutcome o) {
        if (!o.status) return call->fail(o.status);
        auto respond = [call, location, o](const std::string& state) {
          HttpResponse res{o.created ? http::status::created : http::status::ok, call->req.version()};
          res.set(http::field::content_type, "application/json");
          res.set(http::field::etag, "\"" + std::to_string(o.version) + "\"");
          res.set("X-Position", o.position.to_token());
          if (o.created) res.set(http::field::location, location);
          res.body() = view_json(state, o.version);
          res.prepare_payload();
          call->reply(std::move(res));
        };
        if (!o.state.empty()) return respond(o.state);
        original_state(call, aggregate_of(kind), id, o, respond);
      });
}

void ApiService::get_master(const std::shared_ptr<Call>& call, std::string_view collection,
                            std::string id) {
  const std::string key = std::string(kind_name(*master_kind(collection))) + "/" + id;
  after_min_position(call, [this, call, key, collection = std::string(collection)] {
    auto row = d_.store.get(MasterView::kName, key);
    if (!row) return call->fail(http::status::not_found, "no such record in " + collection);
    call->view(std::move(*row));
  });
}

}  // namespace aftercare
