// The console (/) and the portal (/portal): files of web/ embedded in the
// binary (api/web_assets.h). They are public like /openapi.json; every
// datum they show comes from the API with the user's own token.
#include <map>

#include "api/call.h"
#include "api/web_assets.h"
#include "base/ids.h"

namespace aftercare {
namespace {

std::string_view content_type_of(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".json")) return "application/json";
  if (ends(".md")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

struct Served {
  const WebAsset* asset;
  std::string etag;  // its SHA-256: a browser revalidates and gets 304 until the binary changes
};

const std::map<std::string_view, Served>& served() {
  static const std::map<std::string_view, Served> kServed = [] {
    std::map<std::string_view, Served> m;
    for (const WebAsset& a : web_assets())
      m.emplace(a.name, Served{&a, "\"" + to_hex(sha256({reinterpret_cast<const char*>(a.data), a.size})).substr(0, 32) + "\""});
    return m;
  }();
  return kServed;
}

// Scripts, styles and data from this origin only: a value that slipped
// through as markup still could not load or run anything.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

}  // namespace

void ApiService::static_file(const CallPtr& call) {
  const auto& segments = call->target.segments;
  std::string_view name = "index.html";
  if (segments.size() == 1 && segments[0] == "portal") name = "portal.html";
  if (segments.size() == 2) name = segments[1];
  // A name is looked up, never opened: nothing outside web/ can be named.
  auto it = served().find(name);
  if (it == served().end()) return call->fail(http::status::not_found, "no such resource");
  const Served& s = it->second;
  if (call->req[http::field::if_none_match] == s.etag) {
    HttpResponse res{http::status::not_modified, call->req.version()};
    res.set(http::field::etag, s.etag);
    return call->reply(std::move(res));
  }
  HttpResponse res{http::status::ok, call->req.version()};
  res.set(http::field::content_type, content_type_of(name));
  res.set(http::field::etag, s.etag);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  if (name.ends_with(".html")) {
    res.set("Content-Security-Policy", kContentSecurityPolicy);
    res.set("X-Frame-Options", "DENY");
  }
  res.body().assign(reinterpret_cast<const char*>(s.asset->data), s.asset->size);
  res.prepare_payload();
  call->reply(std::move(res));
}

}  // namespace aftercare
