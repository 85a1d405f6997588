// StockViews: the stock ledger's read model (api-field.md §Spare parts).
//
// Family "stock":
//   item/<warehouse>/<part>               the item's view (state and version)
//   low/<warehouse>/<part>                present while available < safety stock
//   mv/<warehouse>/<part>/<newest first>  one row per movement: what moved and the balance after
//   transfer/<id>                         a transfer's view (state and version)
// Keys are built with key_part(), so ids never run into each other.
#pragma once

#include "projections/projection.h"

namespace aftercare {

class StockViews final : public Projection {
 public:
  static constexpr std::string_view kName = "stock";
  std::string_view name() const override { return kName; }
  int version() const override { return 1; }
  std::vector<Topic> topics() const override { return {Topic::parts}; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

// The row keys of an item and of its movements.
std::string stock_item_key(std::string_view warehouse_id, std::string_view part_no);
std::string stock_movements_prefix(std::string_view warehouse_id, std::string_view part_no);

}  // namespace aftercare
