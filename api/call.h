// Call: one HTTP request being answered — the request, how to answer it,
// who is asking. Shared by the route files of the API.
#pragma once

#include <chrono>
#include <memory>

#include "api/problem.h"
#include "api/request_util.h"
#include "api/service.h"
#include "api/tokens.h"
#include "projections/view_row.h"

namespace aftercare {

void record_http_metrics(int status, std::chrono::steady_clock::time_point started);

struct ApiService::Call {
  using Route = ApiService::Route;
  HttpRequest req;
  Responder respond;
  Target target;
  std::vector<std::string> params;  // the route's {placeholders}, in order
  const Route* route = nullptr;
  const Principal* principal = nullptr;
  std::optional<Principal> portal_principal;  // a portal token's customer: `principal` points here
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  void reply(HttpResponse res) {
    res.version(req.version());
    res.keep_alive(req.keep_alive() && res.keep_alive());
    if (req.method() == http::verb::head) {
      // The headers of the GET, Content-Length included, and no body (RFC 9110 §9.3.2).
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    record_http_metrics(static_cast<int>(res.result_int()), started);
    respond(std::move(res));
  }
  void fail(http::status status, std::string_view detail, std::string_view extra = {}) {
    reply(problem(status, detail, req.version(), true, extra));
  }
  void fail(const Status& s) {
    if (s.code() == Errc::outcome_unknown)
      return reply(problem(http::status::service_unavailable, s.message(), req.version(), true, {}, kOutcomeUnknown));
    fail(http_status_for(s.code()), s.message());
  }
  // 200 with a stored view row (projections/view_row.h) and its version as ETag.
  void view(std::string row) {
    HttpResponse res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    if (auto v = split_view(row)) res.set(http::field::etag, "\"" + std::to_string(v->version) + "\"");
    res.body() = std::move(row);
    res.prepare_payload();
    reply(std::move(res));
  }
  void json(http::status status, std::string body, std::string_view content_type = "application/json") {
    HttpResponse res{status, req.version()};
    res.set(http::field::content_type, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    reply(std::move(res));
  }
};

}  // namespace aftercare
