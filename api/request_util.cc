#include "api/request_util.h"

#include <cctype>
#include <charconv>

#include "base/ids.h"
#include "domain/text.h"

namespace aftercare {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char c = static_cast<char>(hi * 16 + lo);
      if (c == '\0') return std::nullopt;
      out.push_back(c);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::optional<Target> parse_target(std::string_view target) {
  if (target.empty() || target[0] != '/') return std::nullopt;
  Target t;
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  path.remove_prefix(1);
  while (!path.empty()) {
    const size_t slash = path.find('/');
    auto seg = decode(path.substr(0, slash), false);
    if (!seg) return std::nullopt;
    t.segments.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) t.segments.emplace_back();  // trailing slash
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : decode(pair.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    t.query[*key] = *value;
  }
  return t;
}

std::optional<uint64_t> parse_etag(std::string_view v) {
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

bool is_json_content_type(std::string_view v) {
  const size_t semi = v.find(';');
  std::string_view media = v.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() != 16) return false;
  constexpr std::string_view kJson = "application/json";
  for (size_t i = 0; i < media.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
  return true;
}

// The command id: derived from the Idempotency-Key when there is one.
Result<CommandContext> command_context_of(const HttpRequest& req, const std::string& actor) {
  CommandContext ctx;
  ctx.actor = actor;
  const auto key = req["Idempotency-Key"];
  if (req.find("Idempotency-Key") != req.end()) {
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
  if (req.find("X-Correlation-Id") != req.end()) {
    const auto corr = req["X-Correlation-Id"];
    if (!is_visible_ascii(corr, 128))
      return Status{Errc::invalid_argument, "X-Correlation-Id must be 1..128 visible ASCII characters"};
    ctx.correlation_id = std::string(corr);
  } else {
    ctx.correlation_id = ctx.command_id;
  }
  if (auto h = req.find(http::field::if_match); h != req.end()) {
    if (h->value() == "*") {
      ctx.expect_exists = true;  // any version, as long as there is one (RFC 9110 §13.1.1)
    } else {
      auto v = parse_etag(h->value());
      if (!v) return Status{Errc::invalid_argument, "If-Match must be * or an ETag like \"3\""};
      ctx.expected_version = v;
    }
  }
  ctx.fingerprint = to_hex(sha256(std::string(http::to_string(req.method())) + " " +
                                  std::string(req.target()) + "\n" + req.body()));
  return ctx;
}

std::string query_value(const Target& t, std::string_view key) {
  auto it = t.query.find(key);
  return it == t.query.end() ? std::string() : it->second;
}

std::optional<size_t> page_limit(const Target& t) {
  const std::string v = query_value(t, "limit");
  if (v.empty()) return kDefaultPageLimit;
  size_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 1 || n > kMaxPageLimit) return std::nullopt;
  return n;
}

}  // namespace aftercare
