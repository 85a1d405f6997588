// Who a token is (/v1/me), the caller look-up (the call centre's screen
// pop) and the customers' portal tokens (docs/portal.md). The role table has been applied by
// dispatch(); which customers a token may see is AccessPolicy's.
#include <charconv>

#include "api/call.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/time.h"
#include "projections/master_view.h"
#include "projections/request_views.h"

namespace aftercare {
namespace {

constexpr size_t kMaxLookupMatches = 20;
constexpr size_t kMinPhoneDigits = 6;  // fewer would match half the customer base
constexpr int64_t kDefaultPortalDays = 30, kMaxPortalDays = 90;

std::string customer_id_of_key(std::string_view key) { return key_part_value(key.substr(key.rfind('/') + 1)); }

}  // namespace

// GET /v1/lookup?phone=|serial=|customer_id=: the customers a caller may be,
// each with their units, as many as this token may see (at most 20).
void ApiService::lookup(const CallPtr& call) {
  const Target& t = call->target;
  const std::string phone = query_value(t, "phone"), serial = query_value(t, "serial"),
                    customer_id = query_value(t, "customer_id");
  if (phone.empty() + serial.empty() + customer_id.empty() != 2)
    return call->fail(http::status::bad_request, "give exactly one of phone, serial and customer_id");
  const std::string digits = phone_key_digits(phone);
  if (!phone.empty() && digits.size() < kMinPhoneDigits)
    return call->fail(http::status::bad_request, "phone must have at least 6 digits");
  after_min_position(call, [=, this] {
    const Principal& who = *call->principal;
    std::vector<std::string> candidates;  // customer ids, in the order found
    std::string matched_by;
    if (!phone.empty()) {
      matched_by = "phone";
      // Every customer whose number ends in these digits; looked at until 20 visible ones are found.
      Status s = d_.store.visit(MasterView::kName, "phone/customer/" + digits, "", [&](std::string_view key, std::string_view) {
        candidates.push_back(customer_id_of_key(key));
        return candidates.size() < 500;
      });
      if (!s) return call->fail(s);
    } else if (!serial.empty()) {
      matched_by = "serial";
      auto unit = d_.store.get(MasterView::kName, "unit/" + serial);
      if (!unit) return call->fail(unit.status());
      if (*unit) candidates.push_back(string_member(**unit, "customer_id"));
    } else {
      matched_by = "customer_id";
      candidates.push_back(customer_id);
    }
    std::string body = "{\"matched_by\":\"" + matched_by + "\",\"items\":[";
    size_t n = 0;
    for (const std::string& id : candidates) {
      if (n == kMaxLookupMatches) break;
      auto customer = d_.store.get(MasterView::kName, "customer/" + id);
      if (!customer) return call->fail(customer.status());
      if (!*customer) continue;
      auto visible = access_.sees_customer(who, id, string_member(**customer, "region"));
      if (!visible) return call->fail(visible.status());
      if (!*visible) continue;  // answered as if it did not exist
      if (n++) body.push_back(',');
      body += "{\"customer\":" + **customer + ",\"units\":[";
      auto units = d_.store.scan(MasterView::kName, "units/" + key_part(id) + "/", "", 100);
      if (!units) return call->fail(units.status());
      size_t u = 0;
      for (const auto& [key, unused] : *units) {
        auto unit = d_.store.get(MasterView::kName, "unit/" + customer_id_of_key(key));
        if (!unit) return call->fail(unit.status());
        if (!*unit) continue;
        if (u++) body.push_back(',');
        body += **unit;
      }
      body += "]}";
    }
    body += "]}";
    call->json(http::status::ok, std::move(body));
  });
}

void ApiService::whoami(const CallPtr& call) {
  const Principal& p = *call->principal;
  JsonWriter w;
  w.begin_object().field("role", role_name(p.role)).field("actor", p.actor).key("regions").begin_array();
  for (const std::string& r : p.regions) w.string(r);
  w.end_array().key("engineer_id");
  if (p.engineer_id.empty()) w.null();
  else w.string(p.engineer_id);
  w.key("customer_id");
  if (p.customer_id.empty()) w.null();
  else w.string(p.customer_id);
  w.end_object();
  call->json(http::status::ok, w.take());
}

// POST /v1/customers/{id}/portal-token {"days": 1..90}: a token for the
// self-service portal that sees this customer's records and requests only.
void ApiService::issue_portal_token(const CallPtr& call) {
  // The customer first: one this token may not see answers as one that does not exist, whatever the body.
  // Read from the write side's state, as commands do: a customer created a
  // moment ago gets a token even before the read models include it.
  const std::string& id = call->params[0];
  auto customer = d_.state.load(customer_kind(), id);
  if (!customer) return call->fail(customer.status());
  if (!customer->sequence) return call->fail(http::status::not_found, "no such customer");
  auto visible = access_.sees_customer(*call->principal, id, string_member(customer->state_json(), "region"));
  if (!visible) return call->fail(visible.status());
  if (!*visible) return call->fail(http::status::not_found, "no such customer");
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  if (!body->is_object()) return call->fail(http::status::bad_request, "the body must be a JSON object");
  int64_t days = kDefaultPortalDays;
  if (auto d = (*body)["days"]; d.error() != simdjson::NO_SUCH_FIELD) {
    if (d.get_int64().get(days)) return call->fail(http::status::bad_request, "days must be an integer");
    if (days < 1 || days > kMaxPortalDays) return call->fail(http::status::unprocessable_entity, "days must be 1..90");
  }
  const Timestamp expires{d_.clock.now().ms + days * 86'400'000};
  JsonWriter w;
  w.begin_object()
      .field("token", d_.tokens.issue_portal(id, expires.ms / 1000))
      .field("customer_id", id)
      .field("expires_at", format_rfc3339(expires))
      .end_object();
  call->json(http::status::created, w.take());
}

}  // namespace aftercare
