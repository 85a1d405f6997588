// AggregatesView: every aggregate's head — its sequence, the hash of its
// last event (the next prevhash) and its state — folded from the log.
//
// It is the durable half of the write side's state (commands/
// AggregateStore adds an overlay of writes not yet applied here), and the
// reference `audit --verify-chains` checks each chain's last link against.
// Row "<kind>/<id>" -> {"sequence":N,"hash":"…","state":{…}}.
// It is also the one deadline index of every kind (KindSpec::deadlines):
// row "due/<due ms, 16 hex>/<kind>/<id>/<name>" -> "" for each deadline an
// aggregate waits for, in time order; commands/deadline_timer.h reads it.
#pragma once

#include <optional>
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

inline constexpr std::string_view kDeadlinePrefix = "due/";
std::string deadline_key(AggregateKind kind, std::string_view id, const Deadline& d);
struct DeadlineRow {
  AggregateKind kind;
  std::string id;
  Deadline deadline;
};
// nullopt for a key that is not a deadline row of a registered kind.
std::optional<DeadlineRow> parse_deadline_key(std::string_view key);

std::string encode_head(const AggregateHead& h);
Result<AggregateHead> decode_head(std::string_view row);

class AggregatesProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "aggregates";
  std::string_view name() const override { return kName; }
  // 2: every registered kind's topic (1 left out aftercare.commands).
  // 3: the deadline index of every kind (it was the requests view's).
  int version() const override { return 3; }
  std::vector<Topic> topics() const override;
  bool write_side() const override { return true; }
  Status apply(const StoredEvent& event, ProjectionTxn& txn) override;
};

}  // namespace aftercare
