// RFC 9457 problem details: the only way errors leave the HTTP API.
#pragma once

#include <string>
#include <string_view>

#include "api/http_server.h"
#include "domain/status.h"

namespace aftercare {

// A problem+json response. `extra` is inserted as additional members (a
// canonical JSON object's contents without braces, e.g. "\"current_status\":\"closed\"").
// `type`: the problem type's slug when the status alone does not say it.
HttpResponse problem(http::status status, std::string_view detail, unsigned version = 11,
                     bool keep_alive = true, std::string_view extra = {}, std::string_view type = {});

// The problem type of a command whose write may or may not have landed.
inline constexpr std::string_view kOutcomeUnknown = "outcome-unknown";

// The HTTP status a Status maps to (never 500 for a client's mistake).
http::status http_status_for(Errc code);

}  // namespace aftercare
