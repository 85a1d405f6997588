// MasterView: the current record of every customer, engineer and installed
// unit, as GET /v1/{customers,engineers,units}/{id} returns it.
//
// Row "<kind>/<id>" -> the record's state and version (projections/view_row.h);
// row "units/<customer>/<serial>" -> "" for each installed unit of a customer.
#pragma once

#include "projections/projection.h"

namespace aftercare {

class MasterView final : public Projection {
 public:
  static constexpr std::string_view kName = "master";
  std::string_view name() const override { return kName; }
  int version() const override { return 1; }
  std::vector<Topic> topics() const override { return {Topic::master}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

}  // namespace aftercare
