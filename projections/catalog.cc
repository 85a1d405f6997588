#include "projections/catalog.h"

#include "domain/kind.h"
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

void add_upcasters(Upcasters& u) {
  // Each registered kind declares its events' older versions (domain/kind.h).
  for (const AggregateKind& kind : all_kinds())
    for (const EventSpec& event : kind.spec().events)
      for (size_t v = 1; v <= event.upcasts.size(); ++v)
        u.add(make_type(kind.name(), event.name, static_cast<int>(v)),
              make_type(kind.name(), event.name, static_cast<int>(v + 1)), event.upcasts[v - 1]);
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
