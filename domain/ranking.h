// Automatic dispatch's choice (api-field.md §Dispatches): which engineers
// may take a request, and in which order. Pure: the command decides with
// the facts of that moment and stores the ranking in the offered event;
// nothing recomputes it later.
//
// Eligible: active; not off duty; under capacity (open dispatches <
// max_open_dispatches, 8 when unset); holding the product's required skill
// (when it names one); of a certified outlet — or of none (the
// manufacturer's own engineers); not passed over for this request before
// (declined it or let an offer for it expire). Engineers of other regions
// are not considered at all.
//
// Score (higher is better; an integer, so equal facts rank equally on every machine):
//   10000 - min(distance in tenths of a km, 5000) - 200 x open dispatches
// The distance is great-circle from the customer's location to the
// engineer's last reported one (else the engineer record's); unknown counts
// as the cap, 500 km. So one open dispatch weighs as 20 km of travel.
// When the order names parts, an engineer whose van (or, without a van, whose
// outlet's warehouse) has every one available scores kPartsOnHandBonus more:
// having the parts weighs as 100 km, since a visit without them is a second
// visit. Without parts in the order `parts_on_hand` is null and counts nothing.
// Ties: fewer open dispatches, then the engineer id.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/engineer_status.h"

namespace aftercare {

inline constexpr int64_t kDefaultMaxOpenDispatches = 8;
inline constexpr int64_t kBaseScore = 10'000, kDistanceCapTenths = 5'000, kOpenDispatchWeight = 200;
inline constexpr int64_t kPartsOnHandBonus = 1'000;
// The offered event keeps the best this many of the ranking (and counts the rest):
// 5,000 candidates of ~150 bytes would make one event 750 KB.
inline constexpr size_t kRankingKept = 20;

struct EngineerFacts {
  std::string id, outlet_id, region;
  std::vector<std::string> skills;  // sorted
  bool active = false;
  int64_t max_open = kDefaultMaxOpenDispatches;
  std::string status;               // "" when never reported: taken as available
  std::optional<Location> location;
  int64_t open_dispatches = 0;
  std::string outlet_status;        // the outlet's certification; "" when it names none; "unknown" when not registered
  std::optional<bool> parts_on_hand;  // the order's parts at its parts warehouse; null: the order names none
};

struct RankingInput {
  std::string required_skill;              // "" when the product names none
  std::optional<Location> customer_location;
  std::vector<std::string> passed_over;
};

struct Candidate {
  std::string engineer_id, outlet_id;
  int64_t score = 0;
  std::optional<int64_t> distance_tenths;  // nullopt: unknown
  int64_t open_dispatches = 0;
  bool skill_match = false;
  std::optional<bool> parts_on_hand;
  std::string excluded_because;            // "" when eligible
  std::string exclusion;                   // its code: off_duty, at_capacity, ...
  bool eligible() const { return excluded_because.empty(); }
};

// An engineer's facts as views into whoever holds them (the roster), so
// that ranking thousands of engineers copies nothing.
struct EngineerView {
  std::string_view id, outlet_id, status, outlet_status;
  const std::vector<std::string>* skills = nullptr;  // sorted
  bool active = false;
  int64_t max_open = kDefaultMaxOpenDispatches;
  std::optional<Location> location;
  int64_t open_dispatches = 0;
  std::optional<bool> parts_on_hand;
};
EngineerView view_of(const EngineerFacts& e);

// Every engineer considered, eligible ones first, best first.
std::vector<Candidate> rank_engineers(const RankingInput& in, const std::vector<EngineerFacts>& engineers);

// The same ranking as ranking_json(rank_engineers(...)) in one pass over
// the engineers, keeping only the best kRankingKept eligible ones and the
// count excluded per reason: what automatic dispatch decides on.
class RankingSummary {
 public:
  explicit RankingSummary(const RankingInput& in) : in_(in) {}
  void add(const EngineerView& e);
  const std::vector<Candidate>& best() const { return best_; }  // best first
  size_t considered() const { return considered_; }
  const std::map<std::string, int64_t>& excluded() const { return excluded_; }
  std::string json() const;  // == ranking_json(rank_engineers(...))

 private:
  const RankingInput& in_;
  std::vector<Candidate> best_;
  size_t considered_ = 0, eligible_ = 0;
  std::map<std::string, int64_t> excluded_;
};
// The order rank_engineers() puts two candidates in.
bool ranks_before(const Candidate& a, const Candidate& b);

// One item of GET /v1/requests/{id}/dispatch-candidates.
std::string candidate_json(const Candidate& c);
// What the offered event stores: {"considered", "eligible", "excluded": {code: n}, "candidates": [best kRankingKept]}.
std::string ranking_json(const std::vector<Candidate>& ranked);

}  // namespace aftercare
