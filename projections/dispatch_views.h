// DispatchViews: the dispatch board (api-field.md §Dispatches) and the
// engineers' board (GET /v1/engineers).
//
// Family "dispatches":
//   view/<id>                                 the dispatch view (state and version)
//   list/<region>/<newest first>/<id>         every dispatch of a region, newest offer first
//   eng/<engineer>/<newest first>/<id>        an engineer's task list
//   open/<engineer>                           their open dispatches (a counter)
// List rows are written once and never deleted: a status filter reads the
// views (no index that churns with every status change leaves tombstones in
// the newest keys; bench/README.md "closing").
//
// Family "engineers": the board —
//   board/<region>/<engineer>                 {"engineer_id","name","region","outlet_id","status","location","updated_at"}
// from the engineer records and their status reports; the open count is read
// from open/<engineer> when answering.
#pragma once

#include "projections/projection.h"

namespace aftercare {

class DispatchViews final : public Projection {
 public:
  static constexpr std::string_view kName = "dispatches";
  std::string_view name() const override { return kName; }
  int version() const override { return 1; }
  std::vector<Topic> topics() const override { return {Topic::dispatches}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

class EngineerBoard final : public Projection {
 public:
  static constexpr std::string_view kName = "engineers";
  std::string_view name() const override { return kName; }
  int version() const override { return 1; }
  std::vector<Topic> topics() const override { return {Topic::master}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

}  // namespace aftercare
