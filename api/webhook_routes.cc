// The webhooks of api-field.md §Notifications: PUT/GET /v1/webhooks/{id},
// GET /v1/webhooks and a webhook's delivery log. Admin tokens only (the
// role table); a webhook hears every region's events, so no other role may
// point one anywhere. The secret is sealed here (base/sealed.h) before the
// domain sees it and is never shown back.
#include <charconv>

#include "api/call.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/webhook.h"
#include "eventstore/topics.h"
#include "notify/webhooks.h"

namespace aftercare {
namespace {

// Each webhook is a consumer and a thread of its own: a bound, not a quota.
constexpr size_t kMaxWebhooks = 100;

Status no_such_webhook() { return {Errc::not_found, "no such webhook"}; }

}  // namespace

void ApiService::put_webhook(const CallPtr& call) {
  const std::string id = call->params[0];
  if (!valid_id(id)) return call->fail(http::status::unprocessable_entity, "id must be 1..64 characters of A-Z a-z 0-9 . _ : -");
  if (!d_.webhooks || !d_.sealer) return call->fail(http::status::service_unavailable, "webhooks are not configured");
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto settings = decode_webhook_settings(*body);
  if (!settings) return call->fail(settings.status());
  if (!d_.webhooks->has(id) && d_.webhooks->count() >= kMaxWebhooks)
    return call->fail(http::status::unprocessable_entity,
                      "there are " + std::to_string(kMaxWebhooks) + " webhooks already, the most this service delivers to; "
                      "pause or reuse one");
  // Where a newly subscribed topic starts: the log's end now. An offset read
  // a moment stale only starts delivery a few events earlier.
  StartOffsets log_end;
  for (const std::string& type : settings->event_types) {
    const std::string_view topic_name = *subscribable_topic(type);
    if (log_end.contains(topic_name)) continue;
    std::vector<int64_t>& offsets = log_end[std::string(topic_name)];
    for (int32_t p = 0; p < d_.log.partition_count(); ++p) {
      auto end = d_.log.end_offset({*topic_from_name(topic_name), p});
      if (!end) return call->fail(end.status());
      offsets.push_back(*end);
    }
  }
  const Sealer& sealer = *d_.sealer;
  d_.bus.execute(
      webhook_kind(), id, std::move(ctx).value(),
      [id, &sealer, settings = std::move(settings).value(), log_end = std::move(log_end)](const AggregateHead& head,
                                                                                            Timestamp now) -> Decision {
        const WebhookState& current = webhook_state(head.state.get());
        std::string sealed;
        if (settings.secret) {
          // The same secret again keeps its sealed form: an identical PUT changes nothing.
          auto kept = current.exists ? sealer.unseal(current.secret, id) : Result<std::string>(Status{Errc::not_found, ""});
          if (kept && *kept == *settings.secret) {
            sealed = current.secret;
          } else {
            auto fresh = sealer.seal(*settings.secret, id);
            if (!fresh) return Rejection{fresh.status().code(), fresh.status().message(), ""};
            sealed = std::move(fresh).value();
          }
        }
        return decide_webhook(current, settings, sealed, log_end, now);
      },
      [this, call, id](CommandOutcome o) {
        d_.post ? d_.post([this, call, id, o = std::move(o)]() mutable { answer_webhook(call, id, std::move(o)); })
                : answer_webhook(call, id, std::move(o));
      });
}

void ApiService::answer_webhook(const CallPtr& call, const std::string& id, CommandOutcome o) {
  if (!o.status) return call->fail(o.status);
  if (o.typed) return reply_with_state(call, "/v1/webhooks/" + id, o, webhook_public_json(id, webhook_state(o.typed.get())));
  // A retry whose webhook changed since: its state as of the original outcome.
  original_state(call, webhook_kind(), id, o, [this, call, id, o](const std::string& state) {
    auto typed = webhook_kind().spec().state_from_json(state);
    if (!typed) return call->fail(typed.status());
    reply_with_state(call, "/v1/webhooks/" + id, o, webhook_public_json(id, webhook_state(typed->get())));
  });
}

void ApiService::get_webhook(const CallPtr& call) {
  if (!d_.webhooks) return call->fail(no_such_webhook());
  auto view = d_.webhooks->describe(call->params[0]);
  if (!view) return call->fail(no_such_webhook());
  call->json(http::status::ok, std::move(*view));
}

void ApiService::list_webhooks(const CallPtr& call) {
  std::string body = "{\"items\":[";
  if (d_.webhooks) {
    const std::vector<std::string> all = d_.webhooks->describe_all();
    for (size_t i = 0; i < all.size(); ++i) body += (i ? "," : "") + all[i];
  }
  call->json(http::status::ok, body + "]}");
}

void ApiService::webhook_deliveries(const CallPtr& call) {
  const std::string id = call->params[0];
  if (!d_.webhooks || !d_.webhooks->has(id)) return call->fail(no_such_webhook());
  const auto limit = page_limit(call->target);
  if (!limit) return call->fail(http::status::bad_request, "limit must be 1..500");
  const std::string cursor = query_value(call->target, "cursor");
  std::optional<uint64_t> before;
  if (!cursor.empty()) {
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), n);
    if (ec != std::errc() || p != cursor.data() + cursor.size() || n < 1)
      return call->fail(http::status::bad_request, "cursor must be the next_cursor of a page");
    before = n;
  }
  std::optional<uint64_t> next;
  auto rows = d_.webhooks->deliveries(id, before, *limit, next);
  if (!rows) return call->fail(rows.status());
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < rows->size(); ++i) body += (i ? "," : "") + (*rows)[i];
  body += "],\"next_cursor\":";
  body += next ? "\"" + std::to_string(*next) + "\"" : "null";
  call->json(http::status::ok, body + "}");
}

}  // namespace aftercare
