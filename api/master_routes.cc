// Master data endpoints of api.md: customers, engineers and installed units
// (GET and PUT), and the customer screen pop. Each record is visible by its
// region — a unit by its customer's — and to an engineer token only where
// the engineer has work (api/access.h).
#include "api/call.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "projections/master_view.h"
#include "projections/request_views.h"
#include "projections/view_row.h"

namespace aftercare {
namespace {


std::optional<MasterKind> kind_of_collection(std::string_view collection) {
  if (collection == "customers") return MasterKind::customer;
  if (collection == "engineers") return MasterKind::engineer;
  if (collection == "units") return MasterKind::unit;
  return std::nullopt;
}

AggregateKind aggregate_of(MasterKind k) {
  switch (k) {
    case MasterKind::customer: return AggregateKind::customer;
    case MasterKind::engineer: return AggregateKind::engineer;
    case MasterKind::unit: return AggregateKind::unit;
  }
  return AggregateKind::customer;
}

Status not_found(std::string_view collection) {
  return {Errc::not_found, "no such record in " + std::string(collection)};
}

}  // namespace

void ApiService::get_customer(const CallPtr& call) {
  after_min_position(call, [this, call] {
    const std::string& id = call->params[0];
    auto row = d_.store.get(MasterView::kName, "customer/" + id);
    if (!row) return call->fail(row.status());
    if (!*row) return call->fail(not_found("customers"));
    auto visible = access_.sees_customer(*call->principal, id, string_member(**row, "region"));
    if (!visible) return call->fail(visible.status());
    if (!*visible) return call->fail(not_found("customers"));
    call->view(std::move(**row));
  });
}

void ApiService::get_engineer(const CallPtr& call) {
  after_min_position(call, [this, call] {
    const std::string& id = call->params[0];
    auto row = d_.store.get(MasterView::kName, "engineer/" + id);
    if (!row) return call->fail(row.status());
    if (!*row || !access_.sees_engineer(*call->principal, id, string_member(**row, "region")))
      return call->fail(not_found("engineers"));
    call->view(std::move(**row));
  });
}

void ApiService::get_unit(const CallPtr& call) {
  after_min_position(call, [this, call] {
    auto row = d_.store.get(MasterView::kName, "unit/" + call->params[0]);
    if (!row) return call->fail(row.status());
    if (!*row) return call->fail(not_found("units"));
    // A unit is seen through its customer.
    const std::string customer_id = string_member(**row, "customer_id");
    auto customer = d_.store.get(MasterView::kName, "customer/" + customer_id);
    if (!customer) return call->fail(customer.status());
    if (!*customer) return call->fail(not_found("units"));
    auto visible = access_.sees_customer(*call->principal, customer_id, string_member(**customer, "region"));
    if (!visible) return call->fail(visible.status());
    if (!*visible) return call->fail(not_found("units"));
    call->view(std::move(**row));
  });
}

void ApiService::put_master(const CallPtr& call) {
  const std::string collection = call->target.segments[1];
  const MasterKind kind = *kind_of_collection(collection);
  const std::string id = call->params[0];
  const Principal principal = *call->principal;
  // The region that decides who sees a record in state `state` ("" = none);
  // a unit's is its customer's, read from the write side.
  auto region_of = [this, kind](const std::string& state) -> Result<std::string> {
    if (kind != MasterKind::unit) return string_member(state, "region");
    auto customer = d_.aggregates.load(AggregateKind::customer, string_member(state, "customer_id"));
    if (!customer) return customer.status();
    return customer->sequence ? string_member(customer->state, "region") : std::string();
  };
  // What the token may not see answers as if it did not exist, before any other check.
  auto existing = d_.aggregates.load(aggregate_of(kind), id);
  if (!existing) return call->fail(existing.status());
  if (existing->sequence) {
    auto region = region_of(existing->state);
    if (!region) return call->fail(region.status());
    if (!principal.sees_region(*region)) return call->fail(not_found(collection));
  }
  auto ctx = command_context(*call);
  if (!ctx) return call->fail(ctx.status());
  simdjson::dom::parser parser;
  auto body = command_body(*call, parser);
  if (!body) return;
  auto normalized = normalize_master(kind, id, *body);
  if (!normalized) return call->fail(normalized.status());

  const std::string location = "/v1/" + collection + "/" + id;
  d_.bus.execute(
      aggregate_of(kind), id, std::move(ctx).value(),
      [this, kind, collection, principal, region_of, normalized = std::move(normalized).value()](
          const AggregateHead& head, Timestamp now) -> Decision {
        if (head.sequence) {
          auto region = region_of(head.state);
          if (!region) return Rejection{region.status().code(), region.status().message(), ""};
          if (!principal.sees_region(*region)) return Rejection{Errc::not_found, not_found(collection).message(), ""};
        }
        if (kind == MasterKind::unit) {
          // A unit belongs to a known customer that this token may see.
          const std::string customer_id = string_member(normalized, "customer_id");
          auto customer = d_.aggregates.load(AggregateKind::customer, customer_id);
          if (!customer) return Rejection{customer.status().code(), customer.status().message(), ""};
          if (!customer->sequence || !principal.sees_region(string_member(customer->state, "region")))
            return Rejection{Errc::unprocessable, "unknown customer \"" + customer_id + "\"", ""};
        } else if (const std::string region = string_member(normalized, "region"); !principal.sees_region(region)) {
          return Rejection{Errc::forbidden, "this token does not cover region \"" + region + "\"", ""};
        }
        return decide_upsert(master_record(head.state), normalized, now);
      },
      [this, call, location, kind, id](CommandOutcome o) {
        answer_command(call, aggregate_of(kind), id, location, std::move(o));
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
