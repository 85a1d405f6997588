// A webhook subscription (api-field.md §Notifications): a receiver's URL,
// the event types it hears about, and the secret its deliveries are signed
// with. Its own aggregate kind ("webhook", on aftercare.master), upserted
// whole by PUT /v1/webhooks/{id} (admin).
//
// The secret reaches the domain sealed (base/sealed.h): the event log never
// holds it in clear. Where delivery of each topic starts is decided when
// the topic is first subscribed — at the log's end then ("now"), or at its
// beginning — and stored in the event as `from`, so a restart or a replay
// never moves it. Delivery itself (notify/webhooks.h) reads this state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "domain/event.h"
#include "domain/kind.h"
#include "domain/time.h"

namespace aftercare {

inline constexpr size_t kMaxWebhookUrlBytes = 2048;
inline constexpr size_t kMinWebhookSecretBytes = 16, kMaxWebhookSecretBytes = 256;

// An http URL split for a client: http://host[:port]/target.
struct WebhookUrl {
  std::string host;
  uint16_t port = 80;
  std::string target;  // path and query, "/" at least
};
// Refuses (unprocessable, with the reason) anything but a plain http URL
// of printable ASCII without credentials or fragment.
Result<WebhookUrl> parse_webhook_url(std::string_view url);

// Per topic name, the offset of each partition where delivery starts.
using StartOffsets = std::map<std::string, std::vector<int64_t>, std::less<>>;

struct WebhookState {
  bool exists = false;
  std::string url;
  std::vector<std::string> event_types;  // sorted, without repeats
  std::string secret;                    // sealed
  bool active = true;
  StartOffsets from;                     // one entry per subscribed topic
  Timestamp updated_at;
  bool operator==(const WebhookState&) const = default;
};

// The body of PUT /v1/webhooks/{id}.
struct WebhookSettings {
  std::string url;
  std::vector<std::string> event_types;
  std::optional<std::string> secret;  // in clear; absent on an update keeps the current one
  bool active = true;
  bool from_beginning = false;        // "start": "beginning" | "now" (default)
};
Result<WebhookSettings> decode_webhook_settings(simdjson::dom::element body);

// The topic an event type's events are on, if the type is one a webhook
// may subscribe to: "aftercare.<kind>.<event>.v<N>" of a registered kind
// (not the webhook kind), an event it emits, 1 <= N <= its version.
std::optional<std::string_view> subscribable_topic(std::string_view event_type);

// `sealed_secret`: the settings' secret sealed, or the current one kept.
// `log_end`: per topic, the log's end offsets now (where a newly subscribed
// topic starts unless from_beginning on registration). Emits `registered`,
// `updated`, or nothing when nothing changed.
Decision decide_webhook(const WebhookState& s, const WebhookSettings& c, const std::string& sealed_secret,
                        const StartOffsets& log_end, Timestamp now);

std::string webhook_to_json(const WebhookState& s);
// What a client sees: the state without the secret ("secret": "set") or `from`.
std::string webhook_public_json(std::string_view id, const WebhookState& s);

class AggregateState;
const WebhookState& webhook_state(const AggregateState* state);
AggregateKind webhook_kind();

}  // namespace aftercare
