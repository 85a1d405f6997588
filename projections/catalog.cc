#include "projections/catalog.h"

#include "projections/aggregates_view.h"
#include "projections/master_view.h"
#include "projections/request_views.h"

namespace aftercare {

std::vector<Projection*> Catalog::pointers() const {
  std::vector<Projection*> out;
  for (const auto& p : projections) out.push_back(p.get());
  return out;
}

std::vector<std::string> Catalog::family_names() const {
  std::vector<std::string> out;
  for (const auto& p : projections) out.emplace_back(p->name());
  return out;
}

Catalog make_catalog() {
  Catalog c;
  c.projections.push_back(std::make_unique<AggregatesProjection>());
  c.projections.push_back(std::make_unique<MasterView>());
  c.projections.push_back(std::make_unique<RequestsProjection>());
  c.projections.push_back(std::make_unique<ProblemStatsProjection>());
  c.projections.push_back(std::make_unique<EventIndexProjection>());
  add_upcasters(c.upcasters);
  return c;
}

namespace {

// `data` (a JSON object) with `"<name>":null` appended.
Result<std::string> with_null_field(const std::string& data, std::string_view name) {
  if (data.size() < 2 || data.back() != '}') return Status{Errc::corruption, "data is not an object"};
  std::string out = data.substr(0, data.size() - 1);
  if (data.size() > 2) out += ',';
  out += '"';
  out += name;
  out += "\":null}";
  return out;
}

// v1 of a failure event was followed by a separate `locked` event when it
// locked the request; v2 carries the lock itself. So v1 reads as a v2 that
// did not lock.
Result<std::string> add_null_lock_reason(const std::string& data) { return with_null_field(data, "lock_reason"); }

// locked.v1 did not record the deadline that locked the request (and
// `two_failed_attempts`, which only v1 carried, had none).
Result<std::string> add_null_deadline(const std::string& data) { return with_null_field(data, "deadline"); }

}  // namespace

void add_upcasters(Upcasters& u) {
  u.add("aftercare.request.reported.v1", "aftercare.request.reported.v2", add_null_lock_reason);
  u.add("aftercare.request.not_attended.v1", "aftercare.request.not_attended.v2", add_null_lock_reason);
  u.add("aftercare.request.locked.v1", "aftercare.request.locked.v2", add_null_deadline);
}

const Upcasters& event_upcasters() {
  static const Upcasters* u = [] {
    auto* out = new Upcasters();
    add_upcasters(*out);
    return out;
  }();
  return *u;
}

}  // namespace aftercare
