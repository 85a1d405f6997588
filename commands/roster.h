// Roster: the write side's live picture of who can take work — every
// engineer's record, last reported status and open dispatches, and every
// outlet's certification — for automatic dispatch (domain/ranking.h).
//
// It is fed by the StateStore's heads (StateStore::observe) and filled at
// start from the store's rows, so it sees exactly what commands decide on,
// never the read side. Each head carries its sequence: an older head never
// overwrites a newer one, whatever order the bus and the tailer report
// them in. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/state_store.h"
#include "domain/dispatch.h"
#include "domain/ranking.h"

namespace aftercare {

class Roster {
 public:
  // Subscribes to `state` (before its catch_up()).
  explicit Roster(StateStore& state);
  // Reads every engineer, status, outlet and open dispatch the rows hold
  // (after catch_up(), before start()).
  Status load();

  // The facts of every engineer of `region`, in id order.
  std::vector<EngineerFacts> engineers_in(std::string_view region) const;
  // The ranking automatic dispatch decides on for `region`, in one pass
  // under the lock without copying any engineer (domain/ranking.h).
  // `parts`: an order's parts; each engineer's parts_on_hand says whether
  // their van (else their outlet's warehouse) has every one available, from
  // the stock items' heads the roster follows.
  RankingSummary summarize(std::string_view region, const RankingInput& in,
                           const std::vector<PartLine>* parts = nullptr) const;
  // One engineer's (nullopt when not registered).
  std::optional<EngineerFacts> engineer(std::string_view id) const;
  size_t size() const;

  void on_head(AggregateKind kind, std::string_view id, const AggregateHead& head);

 private:
  struct Engineer {
    uint64_t record_seq = 0, status_seq = 0;
    std::string region, outlet_id, van;
    std::vector<std::string> skills;
    bool active = false;
    int64_t max_open = kDefaultMaxOpenDispatches;
    std::optional<Location> home, reported;  // the record's location; the last reported one
    std::string status;
    std::set<std::string> open;  // its open dispatches
  };
  struct Dispatch {
    uint64_t seq = 0;
    std::string engineer_id;
    bool open = false;
  };
  EngineerFacts facts(const std::string& id, const Engineer& e) const;  // REQUIRES: mu_
  std::string_view outlet_status(const Engineer& e) const;             // REQUIRES: mu_
  std::string_view parts_warehouse(const Engineer& e) const;           // REQUIRES: mu_
  bool has_parts(std::string_view warehouse, const std::vector<PartLine>& parts) const;  // REQUIRES: mu_

  StateStore& state_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Engineer> engineers_;
  std::map<std::string, std::set<std::string>, std::less<>> by_region_;
  std::unordered_map<std::string, std::pair<uint64_t, std::string>> outlets_;  // id -> (seq, status)
  std::unordered_map<std::string, std::string> outlet_warehouses_;            // id -> its warehouse
  std::unordered_map<std::string, std::pair<uint64_t, int64_t>> available_;   // stock item id -> (seq, available)
  std::unordered_map<std::string, Dispatch> dispatches_;  // the open ones
};

}  // namespace aftercare
