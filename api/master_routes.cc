// Master data endpoints: GET and PUT /v1/<collection>/{id} for every
// registered master record kind (domain/master_data.h), and the customer
// screen pop. A record is visible as its kind's Visibility says
// (api/access.h): by its region, by its customer's, or to every token.
#include "api/call.h"
#include "domain/body.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "projections/master_view.h"
#include "projections/request_views.h"
#include "projections/view_row.h"

namespace aftercare {
namespace {

Status not_found(std::string_view collection) {
  return {Errc::not_found, "no such record in " + std::string(collection)};
}

}  // namespace

std::optional<AggregateKind> master_kind_of(std::string_view collection) {
  for (const AggregateKind& k : all_kinds())
    if (k.master() && k.master()->collection == collection) return k;
  return std::nullopt;
}

void ApiService::get_master(const CallPtr& call) {
  after_min_position(call, [this, call] {
    const AggregateKind kind = *master_kind_of(call->target.segments[1]);
    const std::string& id = call->params[0];
    const std::string_view collection = kind.master()->collection;
    auto row = d_.store.get(MasterView::kName, std::string(kind.name()) + "/" + id);
    if (!row) return call->fail(row.status());
    if (!*row) return call->fail(not_found(collection));
    auto visible = access_.sees_master(*call->principal, kind, id, **row);
    if (!visible) return call->fail(visible.status());
    if (!*visible) return call->fail(not_found(collection));
    call->view(std::move(**row));
  });
}

// The region that decides who sees a record of `kind` in state `state`
// ("" = every region), read from the write side; nullopt for a kind every
// token sees.
Result<std::optional<std::string>> ApiService::master_region(AggregateKind kind, const std::string& state) {
  switch (kind.master()->visibility) {
    case Visibility::everyone: return std::optional<std::string>();
    case Visibility::as_customer:
    case Visibility::as_engineer:
    case Visibility::by_region: return std::optional<std::string>(string_member(state, "region"));
    case Visibility::through_customer: {
      auto customer = d_.state.load(customer_kind(), string_member(state, "customer_id"));
      if (!customer) return customer.status();
      return std::optional<std::string>(customer->sequence ? string_member(customer->state_json(), "region") : "");
    }
  }
  return std::optional<std::string>();
}

// Whether a record of `kind` in `state` is one `principal` may not see (answered as missing).
Result<bool> ApiService::master_hidden(const Principal& principal, AggregateKind kind, const std::string& state) {
  auto region = master_region(kind, state);
  if (!region) return region.status();
  return *region && !principal.sees_region(**region);
}

// Whether `principal` may write the record `normalized` of `kind`: a
// rejection names what it may not refer to or cover.
std::optional<Rejection> ApiService::master_write_refused(const Principal& principal, AggregateKind kind,
                                                          const std::string& normalized) {
  switch (kind.master()->visibility) {
    case Visibility::everyone: return std::nullopt;
    case Visibility::as_customer:
    case Visibility::as_engineer:
    case Visibility::by_region:
      if (const std::string region = string_member(normalized, "region"); !principal.sees_region(region))
        return Rejection{Errc::forbidden, "this token does not cover region \"" + region + "\"", ""};
      return std::nullopt;
    case Visibility::through_customer: {
      // It belongs to a known customer that this token may see.
      const std::string customer_id = string_member(normalized, "customer_id");
      auto customer = d_.state.load(customer_kind(), customer_id);
      if (!customer) return Rejection{customer.status().code(), customer.status().message(), ""};
      if (!customer->sequence || !principal.sees_region(string_member(customer->state_json(), "region")))
        return Rejection{Errc::unprocessable, "unknown customer \"" + customer_id + "\"", ""};
      return std::nullopt;
    }
  }
  return std::nullopt;
}

void ApiService::put_master(const CallPtr& call) {
  const AggregateKind kind = *master_kind_of(call->target.segments[1]);
  const std::string collection(kind.master()->collection);
  const std::string id = call->params[0];
  const Principal principal = *call->principal;
  // What the token may not see answers as if it did not exist, before any other check.
  auto hidden = [this, kind, principal](const std::string& state) { return master_hidden(principal, kind, state); };
  auto existing = d_.state.load(kind, id);
  if (!existing) return call->fail(existing.status());
  if (existing->sequence) {
    auto h = hidden(existing->state_json());
    if (!h) return call->fail(h.status());
    if (*h) return call->fail(not_found(collection));
  }
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto normalized = normalize_master(*kind.master(), id, *body);
  if (!normalized) return call->fail(normalized.status());

  const std::string location = "/v1/" + collection + "/" + id;
  d_.bus.execute(
      kind, id, std::move(ctx).value(),
      [this, kind, collection, principal, hidden, normalized = std::move(normalized).value()](
          const AggregateHead& head, Timestamp now) -> Decision {
        if (head.sequence) {
          auto h = hidden(head.state_json());
          if (!h) return Rejection{h.status().code(), h.status().message(), ""};
          if (*h) return Rejection{Errc::not_found, not_found(collection).message(), ""};
        }
        if (auto refused = master_write_refused(principal, kind, normalized)) return *refused;
        return decide_upsert(master_record(head.state.get()), normalized, now, kind.master()->version);
      },
      [this, call, location, kind, id](CommandOutcome o) {
        answer_command(call, kind, id, location, std::move(o));
      });
}

void ApiService::master_action(const CallPtr& call) {
  const AggregateKind kind = *master_kind_of(call->target.segments[1]);
  const std::string collection(kind.master()->collection);
  const std::string id = call->params[0];
  const LifecycleAction& action = *lifecycle_action(*kind.master(), call->route->action);
  const Principal principal = *call->principal;
  auto hidden = [this, kind, principal](const AggregateHead& head) -> Result<bool> {
    if (!head.sequence) return true;  // answered as what this token may not see: the same 404
    return master_hidden(principal, kind, head.state_json());
  };
  auto existing = d_.state.load(kind, id);
  if (!existing) return call->fail(existing.status());
  auto h = hidden(*existing);
  if (!h) return call->fail(h.status());
  if (*h) return call->fail(not_found(collection));
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  Body fields(*body);
  std::string reason = fields.text("reason", true);
  if (!fields.status()) return call->fail(fields.status());
  d_.bus.execute(
      kind, id, std::move(ctx).value(),
      [kind, collection, hidden, &action, reason = std::move(reason)](const AggregateHead& head,
                                                                       Timestamp now) -> Decision {
        auto h = hidden(head);
        if (!h) return Rejection{h.status().code(), h.status().message(), ""};
        if (*h) return Rejection{Errc::not_found, not_found(collection).message(), ""};
        return decide_lifecycle(master_record(head.state.get()), action, reason, now);
      },
      [this, call, kind, id, collection](CommandOutcome o) {
        answer_command(call, kind, id, "/v1/" + collection + "/" + id, std::move(o));
      });
}

void ApiService::customer_history(const CallPtr& call) {
  after_min_position(call, [this, call] {
    const std::string& id = call->params[0];
    const Principal& who = *call->principal;
    auto customer = d_.store.get(MasterView::kName, "customer/" + id);
    if (!customer) return call->fail(customer.status());
    if (!*customer) return call->fail(not_found("customers"));
    auto visible = access_.sees_customer(who, id, string_member(**customer, "region"));
    if (!visible) return call->fail(visible.status());
    if (!*visible) return call->fail(not_found("customers"));

    std::string body = "{\"customer\":" + **customer + ",\"units\":[";
    size_t n = 0;
    auto units = d_.store.scan(MasterView::kName, "units/" + key_part(id) + "/", "", 500);
    if (!units) return call->fail(units.status());
    for (const auto& [key, unused] : *units) {
      auto unit = d_.store.get(MasterView::kName, "unit/" + key_part_value(key.substr(key.rfind('/') + 1)));
      if (!unit) return call->fail(unit.status());
      if (!*unit) continue;
      if (n++) body.push_back(',');
      body += **unit;
    }
    body += "],\"requests\":[";
    n = 0;
    // Only rows this token may see: its regions' index, or its own engineer's.
    std::vector<std::string> prefixes;
    if (who.regions.empty()) prefixes.push_back("idx/customer/" + key_part(id) + "/");
    for (const auto& r : who.regions) prefixes.push_back("ridx/" + key_part(r) + "/customer/" + key_part(id) + "/");
    Status read = d_.store.visit_merged(RequestsProjection::kName, prefixes, "", [&](std::string_view suffix) {
      auto view = visible_request_view(who, key_part_value(suffix.substr(suffix.find('/') + 1)));
      if (!view) return read = view.status(), false;
      if (!*view) return true;
      if (n++) body.push_back(',');
      body += (*view)->row;
      return n < 100;
    });
    if (!read) return call->fail(read);
    // The open count covers what this token may see only.
    int64_t open = 0;
    std::vector<std::string> counters;
    if (who.role == Role::engineer) counters.push_back("eopen/" + key_part(who.engineer_id) + "/" + key_part(id));
    else if (who.regions.empty()) counters.push_back("");  // every region: scanned below
    else for (const auto& r : who.regions) counters.push_back("open/" + key_part(id) + "/" + key_part(r));
    for (const auto& key : counters) {
      if (key.empty()) {
        auto rows = d_.store.scan(RequestsProjection::kName, "open/" + key_part(id) + "/", "", SIZE_MAX);
        if (!rows) return call->fail(rows.status());
        for (const auto& [k, v] : *rows) open += decode_counter(v);
        continue;
      }
      auto row = d_.store.get(RequestsProjection::kName, key);
      if (!row) return call->fail(row.status());
      open += decode_counter(row->value_or(""));
    }
    body += "],\"open_requests\":" + std::to_string(open) + "}";
    call->json(http::status::ok, std::move(body));
  });
}

}  // namespace aftercare
