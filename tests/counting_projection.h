// A projection for the runner's own tests: counts events and remembers
// every (topic, partition, offset) it saw, flagging any it sees twice.
#pragma once

#include <string>

#include "projections/projection.h"

namespace aftercare::testing {

class CountingProjection final : public Projection {
 public:
  CountingProjection() = default;
  explicit CountingProjection(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  int version() const override { return version_; }
  std::vector<Topic> topics() const override { return {kAllTopics.begin(), kAllTopics.end()}; }
  Status apply(const StoredEvent& e, ProjectionTxn& txn) override {
    const std::string seen = "seen/" + std::to_string(static_cast<int>(e.at.topic)) + "/" +
                             std::to_string(e.at.partition) + "/" + std::to_string(e.at.offset);
    if (txn.get(seen)) txn.put("dup/" + seen, "1");
    txn.put(seen, e.envelope.id);
    txn.add("total", 1);
    txn.add("aggregate/" + e.envelope.aggregate_id, 1);
    return Status::ok();
  }
  int version_ = 1;
  std::string name_ = "counting";
};

}  // namespace aftercare::testing
