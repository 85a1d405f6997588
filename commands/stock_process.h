// The transfer process manager (shared/spec/architecture.md §8): a
// transfer's goods move on the stock items, one command per aggregate,
// each follow-up derived from its trigger so that kill -9 between any two
// steps neither loses nor doubles goods.
//
//   transfer.requested        -> each line: ship at the source (refused as a shipment_refused event, not a 409)
//   stock.shipped             -> expected (in transit) at the destination, then the transfer's line_shipped
//   stock.shipment_refused    -> the transfer's line_refused
//   transfer.received         -> each line in transit: taken in at the destination
#pragma once

#include "commands/process_manager.h"
#include "domain/dispatch.h"
#include "domain/stock.h"

namespace aftercare {

// A follow-up on the stock item (warehouse_id, part_no).
FollowUp stock_follow_up(const std::string& warehouse_id, const std::string& part_no, StockCommand c);

// The [{"part_no", "qty"}] array `key` of an event's data ("lines" of a
// transfer, "parts" of a dispatch, "parts_needed" of a visit).
std::vector<PartLine> part_lines_of(std::string_view data, const char* key);

class StockProcess final : public ProcessManager {
 public:
  static constexpr std::string_view kName = "stock";
  std::string_view name() const override { return kName; }
  std::vector<Topic> topics() const override { return {Topic::parts}; }
  std::vector<FollowUp> react(const Envelope& event) override;
};

}  // namespace aftercare
