// MasterView: the current record of every customer, engineer and installed
// unit, as GET /v1/{customers,engineers,units}/{id} returns it.
//
// Row "<kind>/<id>" -> the record's fields plus "version" and "updated_at";
// row "units/<customer>/<serial>" -> "" for each installed unit of a customer.
#pragma once

#include "projections/projection.h"

namespace aftercare {

// The view of a master record: its state JSON plus "version".
std::string master_view_json(const std::string& state, uint64_t version);

class MasterView final : public Projection {
 public:
  static constexpr std::string_view kName = "master";
  std::string_view name() const override { return kName; }
  int version() const override { return 1; }
  std::vector<Topic> topics() const override { return {Topic::master}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

}  // namespace aftercare
