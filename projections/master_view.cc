#include "projections/master_view.h"

#include "domain/kind.h"
#include "domain/master_data.h"
#include "domain/json.h"
#include "projections/request_views.h"
#include "projections/view_row.h"

namespace aftercare {

std::string phone_key_digits(std::string_view phone) {
  std::string reversed;
  for (auto it = phone.rbegin(); it != phone.rend(); ++it)
    if (*it >= '0' && *it <= '9') reversed.push_back(*it);
  return reversed;
}

namespace {

// "phone/<kind>/<digits, last first>/<id>" for a record with a phone: the
// caller look-up matches a number by its trailing digits, so "138 0013 8000"
// finds "+86 138-0013-8000".
std::string phone_index_key(std::string_view kind, std::string_view record, std::string_view id) {
  const std::string digits = phone_key_digits(string_member(record, "phone"));
  if (digits.empty()) return {};
  return "phone/" + std::string(kind) + "/" + digits + "/" + key_part(id);
}

}  // namespace

Status MasterView::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  auto kind = kind_named(type->aggregate);
  if (!kind) return {Errc::corruption, "unknown aggregate kind " + type->aggregate};
  const MasterSpec* master = kind->master();
  if (!master) return Status::ok();  // another kind's events on this topic: not a master record
  const std::string key = type->aggregate + "/" + ev.envelope.aggregate_id;
  // Upserts replace the record whole, but a lifecycle event (an outlet's
  // certification) changes the record it finds.
  std::string before;
  if (master->lifecycle) {
    if (auto old = txn.get(key)) {
      auto row = split_view(*old);
      if (!row) return {Errc::corruption, "malformed master view row " + key};
      before = std::move(row->state);
    }
  }
  auto state = fold(*kind, ev.envelope.aggregate_id, before, Event{type->event, type->version, ev.envelope.data, ev.envelope.time});
  if (!state) return state.status();
  if (!master->listed_by.empty()) {
    // "<collection>/<owner>/<id>": e.g. the screen pop lists a customer's units.
    thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
    auto index_key = [&](const std::string& record) -> std::string {
      std::string_view owner;
      auto doc = parse_strict(parser, record);
      if (!doc || (*doc)[master->listed_by].get_string().get(owner)) return {};
      return std::string(master->collection) + "/" + key_part(owner) + "/" + key_part(ev.envelope.aggregate_id);
    };
    if (auto old = txn.get(key)) {
      if (const std::string k = index_key(*old); !k.empty()) txn.del(k);
    }
    if (const std::string k = index_key(*state); !k.empty()) txn.put(k, "");
  }
  const std::string old_phone = [&] {
    auto old = txn.get(key);
    return old ? phone_index_key(type->aggregate, *old, ev.envelope.aggregate_id) : std::string();
  }();
  const std::string new_phone = phone_index_key(type->aggregate, *state, ev.envelope.aggregate_id);
  if (old_phone != new_phone) {
    if (!old_phone.empty()) txn.del(old_phone);
    if (!new_phone.empty()) txn.put(new_phone, "");
  }
  txn.put(key, view_json(*state, ev.envelope.sequence));
  return Status::ok();
}

}  // namespace aftercare
