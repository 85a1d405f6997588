#include "projections/catalog.h"

#include "domain/kind.h"
#include "projections/dispatch_views.h"
#include "projections/master_view.h"
#include "projections/request_views.h"
#include "projections/stock_views.h"
#include "projections/visit_views.h"

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
  c.projections.push_back(std::make_unique<MasterView>());
  c.projections.push_back(std::make_unique<RequestsProjection>());
  c.projections.push_back(std::make_unique<ProblemStatsProjection>());
  c.projections.push_back(std::make_unique<EventIndexProjection>());
  c.projections.push_back(std::make_unique<DispatchViews>());
  c.projections.push_back(std::make_unique<EngineerBoard>());
  c.projections.push_back(std::make_unique<StockViews>());
  c.projections.push_back(std::make_unique<VisitViews>());
  add_upcasters(c.upcasters);
  return c;
}

}  // namespace aftercare
