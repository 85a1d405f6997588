// A stock transfer between two warehouses (api-field.md §Spare parts:
// POST /v1/stock/transfers, /receive), an aggregate of its own on
// aftercare.parts, keyed by its id. It records what was asked and how each
// line went; the goods move on the stock items, through the transfer
// process manager (commands/stock_process.h), never by one command writing
// two aggregates:
//
//   requested ──(each line: shipped at the source, or refused there)──▶ in_transit | refused
//   in_transit ──receive──▶ received (each shipped line taken in at the destination)
//
// A line refused at the source (the stock was taken meanwhile) is recorded
// with the quantity that was available, and the others go on.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "domain/event.h"
#include "domain/kind.h"
#include "domain/stock.h"
#include "domain/time.h"

namespace aftercare {

enum class LineStatus { requested, in_transit, refused, received };
std::string_view line_status_name(LineStatus s);

struct TransferLine {
  std::string part_no;
  int64_t qty = 0;
  LineStatus status = LineStatus::requested;
  std::string note;  // why a line was refused
  bool operator==(const TransferLine&) const = default;
};

struct TransferState {
  bool exists = false;
  std::string id, from, to, reference;
  std::vector<TransferLine> lines;
  bool received = false;
  Timestamp requested_at, updated_at;
  // requested (a line not yet shipped or refused), in_transit, refused (every line), received.
  std::string status() const;
  bool operator==(const TransferState&) const = default;
};

struct RequestTransfer {
  std::string id, from, to, reference;
  std::vector<std::pair<std::string, int64_t>> lines;
};
// From the transfer process manager, when a stock item answered a line.
struct LineShipped { std::string part_no; };
struct LineRefused { std::string part_no, note; };
struct ReceiveTransfer {};

using TransferCommand = std::variant<RequestTransfer, LineShipped, LineRefused, ReceiveTransfer>;

Decision decide_transfer(const TransferState& s, const TransferCommand& c, Timestamp now);
Status apply_transfer(TransferState& s, const Event& e);
std::string transfer_to_json(const TransferState& s);
Result<TransferState> transfer_from_json(std::string_view json);

class AggregateState;
const TransferState& transfer_state(const AggregateState* state);
AggregateKind transfer_kind();

}  // namespace aftercare
