// AggregatesView: every aggregate's head — its sequence, the hash of its
// last event (the next prevhash) and its state — folded from the log.
//
// It is the durable half of the write side's state (commands/
// AggregateStore adds an overlay of writes not yet applied here), and the
// reference `audit --verify-chains` checks each chain's last link against.
// Row "<kind>/<id>" -> {"sequence":N,"hash":"…","state":{…}}.
#pragma once

#include <string>

#include "domain/kind.h"
#include "eventstore/envelope.h"
#include "projections/projection.h"

namespace aftercare {

struct AggregateHead {
  uint64_t sequence = 0;                         // 0: the aggregate does not exist
  std::string hash = std::string(kGenesisHash);  // chain hash of the last event
  std::string state;                             // canonical JSON ("" when new)
};

// The row key of an aggregate: "<kind>/<id>".
std::string aggregate_key(AggregateKind kind, std::string_view id);

std::string encode_head(const AggregateHead& h);
Result<AggregateHead> decode_head(std::string_view row);

class AggregatesProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "aggregates";
  std::string_view name() const override { return kName; }
  // 2: every registered kind's topic (1 left out aftercare.commands).
  int version() const override { return 2; }
  std::vector<Topic> topics() const override;
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

}  // namespace aftercare
