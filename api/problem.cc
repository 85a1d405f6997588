#include "api/problem.h"

#include "domain/json.h"

namespace aftercare {
namespace {

std::string_view slug(http::status s) {
  switch (s) {
    case http::status::bad_request: return "malformed-request";
    case http::status::unauthorized: return "unauthorized";
    case http::status::forbidden: return "forbidden";
    case http::status::not_found: return "not-found";
    case http::status::method_not_allowed: return "method-not-allowed";
    case http::status::conflict: return "illegal-transition";
    case http::status::precondition_failed: return "version-mismatch";
    case http::status::payload_too_large: return "body-too-large";
    case http::status::unsupported_media_type: return "unsupported-media-type";
    case http::status::unprocessable_entity: return "unprocessable";
    case http::status::request_header_fields_too_large: return "headers-too-large";
    case http::status::service_unavailable: return "unavailable";
    case http::status::gateway_timeout: return "position-timeout";
    default: return "error";
  }
}

}  // namespace

HttpResponse problem(http::status status, std::string_view detail, unsigned version,
                     bool keep_alive, std::string_view extra, std::string_view type) {
  JsonWriter w;
  w.begin_object()
      .field("type", "https://aftercare.dev/problems/" + std::string(type.empty() ? slug(status) : type))
      .field("title", std::string(http::obsolete_reason(status)))
      .key("status").integer(static_cast<int>(status))
      .field("detail", detail);
  std::string body = w.take();
  if (!extra.empty()) {
    body.push_back(',');
    body.append(extra);
  }
  body.push_back('}');
  HttpResponse res{status, version};
  res.set(http::field::content_type, "application/problem+json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http::status http_status_for(Errc code) {
  switch (code) {
    case Errc::ok: return http::status::ok;
    case Errc::invalid_argument: return http::status::bad_request;
    case Errc::not_found: return http::status::not_found;
    case Errc::conflict: return http::status::conflict;
    case Errc::precondition_failed: return http::status::precondition_failed;
    case Errc::unprocessable: return http::status::unprocessable_entity;
    case Errc::forbidden: return http::status::forbidden;
    case Errc::unavailable: return http::status::service_unavailable;
    case Errc::timeout: return http::status::gateway_timeout;
    case Errc::corruption:
    case Errc::io_error:
    case Errc::outcome_unknown: return http::status::service_unavailable;
  }
  return http::status::service_unavailable;
}

}  // namespace aftercare
