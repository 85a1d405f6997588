// The webhook subscription as a registered aggregate kind (domain/webhook.h).
#include <algorithm>
#include <charconv>

#include "domain/body.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/webhook.h"

namespace aftercare {
namespace {

Status bad_url(std::string why) { return {Errc::unprocessable, "\"url\" " + std::move(why)}; }

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// RFC 3986 path and query characters (pct-encoding allowed as is).
bool target_char(char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  return std::string_view("\"#<>\\^`{|}").find(c) == std::string_view::npos;
}

}  // namespace

Result<WebhookUrl> parse_webhook_url(std::string_view url) {
  if (url.size() > kMaxWebhookUrlBytes) return bad_url("is longer than 2048 bytes");
  if (url.starts_with("https://"))
    return bad_url("is https, which this version cannot deliver to yet: use http to a relay you trust (docs/consumers.md)");
  if (!url.starts_with("http://")) return bad_url("must start with http://");
  std::string_view rest = url.substr(7);
  const size_t slash = std::min(rest.find('/'), rest.find('?'));
  std::string_view authority = rest.substr(0, slash);
  WebhookUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos)
    return bad_url("must not carry credentials: the log would hold them in clear; the signature authenticates us");
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("has an unclosed IPv6 literal");
    host = authority.substr(1, close - 1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return bad_url("has a malformed IPv6 literal");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad_url("has a malformed host");
    if (!after.empty()) port = after.substr(1);
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), host_char))
      return bad_url("must name a host of letters, digits, dots and dashes");
  }
  out.host = std::string(host);
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value < 1 || value > 65535)
      return bad_url("has a port that is not 1..65535");
    out.port = static_cast<uint16_t>(value);
  }
  if (out.target.find('#') != std::string::npos) return bad_url("must not have a fragment");
  if (!std::all_of(out.target.begin(), out.target.end(), target_char))
    return bad_url("may hold printable ASCII only in its path and query (percent-encode the rest)");
  return out;
}

std::optional<std::string_view> subscribable_topic(std::string_view type) {
  if (!type.starts_with("aftercare.")) return std::nullopt;
  type.remove_prefix(10);
  const size_t dot = type.find('.'), v = type.rfind(".v");
  if (dot == std::string_view::npos || v == std::string_view::npos || v <= dot) return std::nullopt;
  const std::string_view kind_name = type.substr(0, dot), event = type.substr(dot + 1, v - dot - 1),
                         version = type.substr(v + 2);
  int n = 0;
  auto [p, ec] = std::from_chars(version.data(), version.data() + version.size(), n);
  if (ec != std::errc() || p != version.data() + version.size() || n < 1 || version.starts_with('0'))
    return std::nullopt;
  auto kind = kind_named(kind_name);
  if (!kind || *kind == webhook_kind()) return std::nullopt;
  const EventSpec* spec = kind->event(event);
  if (!spec || n > spec->version) return std::nullopt;
  return kind->topic();
}

Result<WebhookSettings> decode_webhook_settings(simdjson::dom::element body) {
  Body b(body);
  WebhookSettings c;
  c.url = b.text("url", true, kMaxWebhookUrlBytes);
  if (auto s = b.value("secret")) {
    std::string_view v;
    if (s->get_string().get(v)) return Status{Errc::invalid_argument, "\"secret\" must be a string"};
    if (v.size() < kMinWebhookSecretBytes || v.size() > kMaxWebhookSecretBytes)
      return Status{Errc::unprocessable, "\"secret\" must be 16 to 256 bytes"};
    c.secret = std::string(v);
  }
  if (b.value("active")) c.active = b.boolean("active", false);
  c.from_beginning = b.choice("start", {"now", "beginning"}, false, "now") == "beginning";
  auto types = b.value("event_types");
  if (!b.status()) return b.status();
  if (!types) return Status{Errc::unprocessable, "\"event_types\" is required"};
  simdjson::dom::array list;
  if (types->get_array().get(list)) return Status{Errc::invalid_argument, "\"event_types\" must be an array of strings"};
  for (auto item : list) {
    std::string_view t;
    if (item.get_string().get(t)) return Status{Errc::invalid_argument, "\"event_types\" must be an array of strings"};
    if (!subscribable_topic(t))
      return Status{Errc::unprocessable,
                    "\"event_types\": " + std::string(t.substr(0, 128)) +
                        " is not an event type of this service (aftercare.<kind>.<event>.v<N>; see docs/consumers.md)"};
    c.event_types.emplace_back(t);
  }
  std::sort(c.event_types.begin(), c.event_types.end());
  c.event_types.erase(std::unique(c.event_types.begin(), c.event_types.end()), c.event_types.end());
  if (c.event_types.empty() || c.event_types.size() > kMaxListItems)
    return Status{Errc::unprocessable, "\"event_types\" must name 1 to 64 event types"};
  if (auto url = parse_webhook_url(c.url); !url) return url.status();
  return c;
}

namespace {

void write_offsets(JsonWriter& w, const StartOffsets& from) {
  w.begin_object();
  for (const auto& [topic, offsets] : from) {
    w.key(topic).begin_array();
    for (int64_t o : offsets) w.integer(o);
    w.end_array();
  }
  w.end_object();
}

std::string settings_data(const WebhookState& s) {
  JsonWriter w;
  w.begin_object().field("url", s.url).key("event_types").begin_array();
  for (const std::string& t : s.event_types) w.string(t);
  w.end_array().field("secret", s.secret).field_bool("active", s.active).key("from");
  write_offsets(w, s.from);
  return w.end_object().take();
}

}  // namespace

Decision decide_webhook(const WebhookState& s, const WebhookSettings& c, const std::string& sealed_secret,
                        const StartOffsets& log_end, Timestamp now) {
  if (!s.exists && sealed_secret.empty())
    return Rejection{Errc::unprocessable, "\"secret\" is required to register a webhook", ""};
  WebhookState next = s;
  next.exists = true;
  next.url = c.url;
  next.event_types = c.event_types;
  next.secret = sealed_secret.empty() ? s.secret : sealed_secret;
  next.active = c.active;
  next.from.clear();
  for (const std::string& type : c.event_types) {
    const std::string_view topic = *subscribable_topic(type);
    if (next.from.contains(topic)) continue;
    if (auto kept = s.from.find(topic); s.exists && kept != s.from.end()) {
      next.from.emplace(topic, kept->second);  // subscribed before: delivery goes on where it is
    } else if (!s.exists && c.from_beginning) {
      next.from.emplace(topic, std::vector<int64_t>{});  // every partition from offset 0
    } else {
      auto end = log_end.find(topic);
      next.from.emplace(topic, end == log_end.end() ? std::vector<int64_t>{} : end->second);
    }
  }
  if (s.exists && next.url == s.url && next.event_types == s.event_types && next.secret == s.secret &&
      next.active == s.active)
    return std::vector<Event>{};
  return std::vector<Event>{Event{s.exists ? "updated" : "registered", 1, settings_data(next), now}};
}

std::string webhook_to_json(const WebhookState& s) {
  std::string data = settings_data(s);
  data.pop_back();
  return data + ",\"updated_at\":\"" + format_rfc3339(s.updated_at) + "\"}";
}

std::string webhook_public_json(std::string_view id, const WebhookState& s) {
  JsonWriter w;
  w.begin_object().field("id", id).field("url", s.url).key("event_types").begin_array();
  for (const std::string& t : s.event_types) w.string(t);
  w.end_array().field("secret", "set").field_bool("active", s.active);
  w.field("updated_at", format_rfc3339(s.updated_at));
  return w.end_object().take();
}

namespace {

Status read_settings(WebhookState& s, std::string_view json) {
  thread_local simdjson::dom::parser parser;
  auto root = parse_strict(parser, json);
  if (!root) return {Errc::corruption, "webhook: " + root.status().message()};
  Fields f(*root);
  s.url = f.str("url");
  s.event_types = f.strings("event_types");
  s.secret = f.str("secret");
  s.active = f.boolean("active");
  s.from.clear();
  simdjson::dom::object from;
  if ((*root)["from"].get_object().get(from)) return {Errc::corruption, "webhook: \"from\" is not an object"};
  for (auto [topic, offsets] : from) {
    simdjson::dom::array a;
    if (offsets.get_array().get(a)) return {Errc::corruption, "webhook: \"from\" is malformed"};
    std::vector<int64_t>& list = s.from[std::string(topic)];
    for (auto o : a) {
      int64_t n;
      if (o.get_int64().get(n)) return {Errc::corruption, "webhook: \"from\" is malformed"};
      list.push_back(n);
    }
  }
  if (!f.ok() || s.url.empty() || s.secret.empty()) return {Errc::corruption, "webhook: malformed data"};
  if (auto t = f.time("updated_at")) s.updated_at = *t;
  s.exists = true;
  return Status::ok();
}

Status apply(WebhookState& s, std::string_view, const Event& e) {
  if (e.name != "registered" && e.name != "updated") return {Errc::corruption, "webhook: unknown event " + e.name};
  if (Status st = read_settings(s, e.data); !st) return st;
  s.updated_at = e.time;
  return Status::ok();
}

using State = StateOf<WebhookState, apply, webhook_to_json>;

std::vector<Event> example(uint64_t seed) {
  const char* types[] = {"aftercare.dispatch.offered.v1", "aftercare.request.opened.v1", "aftercare.dispatch.finished.v1"};
  WebhookState s;
  std::vector<Event> events;
  for (uint64_t n = 0; n < 3; ++n) {
    WebhookSettings c;
    c.url = "http://receiver-" + std::to_string(seed % 7) + ".example:8" + std::to_string(n) + "/hook";
    c.event_types = {types[(seed + n) % 3]};
    if ((seed >> n) & 1) c.event_types.push_back(types[(seed + n + 1) % 3]);
    std::sort(c.event_types.begin(), c.event_types.end());
    c.active = n != 1;
    const StartOffsets end{{"aftercare.dispatches", {static_cast<int64_t>(seed % 5), 3}}, {"aftercare.requests", {7, 0}}};
    auto d = decide_webhook(s, c, "a256gcm:00:" + std::to_string(seed + n), end,
                            Timestamp{1'700'000'000'000 + static_cast<int64_t>(n) * 60'000});
    for (Event& e : std::get<std::vector<Event>>(d)) {
      (void)apply(s, "", e);
      events.push_back(std::move(e));
    }
  }
  return events;
}

const KindSpec kSpec{
    .name = "webhook",
    .topic = "aftercare.master",
    .events = {{"registered"}, {"updated"}},
    .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<State>(); },
    .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
      WebhookState s;
      if (Status st = read_settings(s, json); !st) return st;
      return std::unique_ptr<AggregateState>(std::make_unique<State>(std::move(s)));
    },
    .partition_key = nullptr,
    .master = nullptr,
    .example = example,
};

}  // namespace

const WebhookState& webhook_state(const AggregateState* state) {
  static const WebhookState none;
  return state ? static_cast<const State*>(state)->value : none;
}

AggregateKind webhook_kind() { return AggregateKind(kSpec); }

}  // namespace aftercare
