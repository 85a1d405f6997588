// VisitViews: visits and the outlets' monthly settlement (api-field.md
// §Visits). Family "visits":
//   view/<id>                                       the visit view (state and version)
//   req/<request>/<id>                              the visits of a request
//   line/<outlet>/<YYYY-MM>/<completed ms>/<id>     a completed visit's settlement line
//   sum/<outlet>/<YYYY-MM>/<total>                  the month's totals (counters)
//   nvisits/<request>                               visits opened for the request (a counter)
//   first/<id>                                      the visit was its request's first
//   demand/<part>/<YYYY-MM>/<region>                parts issued to visits (a counter)
//   hit/<region>/<YYYY-MM-DD>/first|hit             first visits completed; of those, with every part
//                                                   they needed on hand (not needs_parts, no line refused)
// A settlement line and the totals are written from the completed event's
// stored charge, never recomputed (domain/charge.h). The month is the UTC
// month of completion (docs/charging.md).
#pragma once

#include "projections/projection.h"

namespace aftercare {

class VisitViews final : public Projection {
 public:
  static constexpr std::string_view kName = "visits";
  std::string_view name() const override { return kName; }
  int version() const override { return 1; }
  std::vector<Topic> topics() const override { return {Topic::visits}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

// The totals a settlement reports, in the order it reports them: the
// counter names under sum/<outlet>/<month>/.
inline constexpr std::string_view kSettlementTotals[] = {
    "visits",        "fees",          "fee:on_site", "fee:installation", "fee:phone", "labour",
    "parts_value",   "parts_charged", "customer_charges", "warranty_visits"};

std::string settlement_prefix(std::string_view outlet_id, std::string_view month);  // line/<outlet>/<month>/
std::string settlement_sum_key(std::string_view outlet_id, std::string_view month, std::string_view total);
std::string demand_prefix(std::string_view part_no, std::string_view month);  // demand/<part>/<month>/

}  // namespace aftercare
