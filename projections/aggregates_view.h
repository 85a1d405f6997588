// AggregatesView: every aggregate's head — its sequence, the hash of its
// last event and its state as JSON — folded from the log: the read side's
// copy, for queries and for `audit --verify-chains`, which checks each
// chain's last link against it. The write side keeps its own
// (commands/state_store.h) and never reads this one.
// Row "<kind>/<id>" -> {"sequence":N,"hash":"…","state":{…}}.
#pragma once

#include <optional>
#include <string>

#include "domain/kind.h"
#include "eventstore/envelope.h"
#include "projections/projection.h"

namespace aftercare {

struct AggregateRow {
  uint64_t sequence = 0;                         // 0: the aggregate does not exist
  std::string hash = std::string(kGenesisHash);  // chain hash of the last event
  std::string state;                             // canonical JSON ("" when new)
};

// Rows are keyed by aggregate_key() (domain/kind.h).

std::string encode_head(const AggregateRow& h);
Result<AggregateRow> decode_head(std::string_view row);

class AggregatesProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "aggregates";
  std::string_view name() const override { return kName; }
  // 2: every registered kind's topic (1 left out aftercare.commands).
  // 3: the deadline index of every kind (it was the requests view's).
  // 4: without it: the deadline index is the write side's (StateStore).
  int version() const override { return 4; }
  std::vector<Topic> topics() const override;
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

}  // namespace aftercare
