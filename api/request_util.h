// Small pure helpers for reading HTTP requests: path and query splitting,
// header parsing. No socket code, no state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_server.h"
#include "commands/command_bus.h"

namespace aftercare {

struct Target {
  std::vector<std::string> segments;  // percent-decoded path segments
  std::map<std::string, std::string, std::less<>> query;
};

// nullopt for a target that is not an absolute path with valid escapes.
std::optional<Target> parse_target(std::string_view target);

// A query parameter's value ("" when absent).
std::string query_value(const Target& t, std::string_view key);
// A list page's `limit`: 1..500, 50 when absent; nullopt when malformed.
inline constexpr size_t kDefaultPageLimit = 50, kMaxPageLimit = 500;
std::optional<size_t> page_limit(const Target& t);

// `"7"`, `W/"7"` or `7` -> 7; nullopt when malformed.
std::optional<uint64_t> parse_etag(std::string_view value);

// application/json, optionally with parameters (charset=utf-8).
bool is_json_content_type(std::string_view value);

// What the headers of a command request say about it: its command id (from
// Idempotency-Key when given), correlation id, If-Match and fingerprint,
// for `actor`. Every header value copied into an event is checked here:
// invalid_argument for anything but short visible ASCII.
Result<CommandContext> command_context_of(const HttpRequest& req, const std::string& actor);

}  // namespace aftercare
