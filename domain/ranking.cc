#include "domain/ranking.h"

#include <algorithm>
#include <map>

#include "domain/json.h"

namespace aftercare {
namespace {

// What assess() found, without the words: most engineers are counted, not shown.
struct Assessment {
  const char* exclusion = nullptr;  // null when eligible
  int64_t score = 0;
  std::optional<int64_t> distance_tenths;
  bool skill_match = false;
};

Assessment assess_fast(const RankingInput& in, const EngineerView& e) {
  Assessment a;
  a.skill_match = in.required_skill.empty() ||
                  (e.skills && std::binary_search(e.skills->begin(), e.skills->end(), in.required_skill));
  if (in.customer_location && e.location) a.distance_tenths = distance_tenths_km(*in.customer_location, *e.location);
  a.score = kBaseScore - std::min(a.distance_tenths.value_or(kDistanceCapTenths), kDistanceCapTenths) -
            kOpenDispatchWeight * e.open_dispatches + (e.parts_on_hand.value_or(false) ? kPartsOnHandBonus : 0);
  if (!e.active) a.exclusion = "inactive";
  else if (e.status == "off_duty") a.exclusion = "off_duty";
  else if (e.open_dispatches >= e.max_open) a.exclusion = "at_capacity";
  else if (!a.skill_match) a.exclusion = "lacks_skill";
  else if (e.outlet_status == "unknown") a.exclusion = "outlet_unknown";
  else if (!e.outlet_status.empty() && e.outlet_status != "certified") a.exclusion = "outlet_not_certified";
  else if (std::find(in.passed_over.begin(), in.passed_over.end(), e.id) != in.passed_over.end()) a.exclusion = "passed_over";
  return a;
}

Candidate candidate_of(const RankingInput& in, const EngineerView& e, const Assessment& a) {
  Candidate c;
  c.engineer_id = e.id;
  c.outlet_id = e.outlet_id;
  c.open_dispatches = e.open_dispatches;
  c.skill_match = a.skill_match;
  c.parts_on_hand = e.parts_on_hand;
  c.distance_tenths = a.distance_tenths;
  c.score = a.score;
  if (!a.exclusion) return c;
  const std::string code = a.exclusion;
  c.exclusion = code;
  if (code == "inactive") c.excluded_because = "inactive";
  else if (code == "off_duty") c.excluded_because = "off duty";
  else if (code == "at_capacity")
    c.excluded_because = "at capacity: " + std::to_string(e.open_dispatches) + " open of " + std::to_string(e.max_open);
  else if (code == "lacks_skill") c.excluded_because = "lacks the skill \"" + in.required_skill + "\"";
  else if (code == "outlet_unknown") c.excluded_because = "outlet " + std::string(e.outlet_id) + " is not registered";
  else if (code == "outlet_not_certified")
    c.excluded_because = "outlet " + std::string(e.outlet_id) + " is " + std::string(e.outlet_status);
  else c.excluded_because = "declined this request or let its offer expire before";
  return c;
}

void write_distance(JsonWriter& w, const std::optional<int64_t>& tenths) {
  w.key("distance_km");
  if (!tenths) {
    w.null();
    return;
  }
  if (*tenths % 10 == 0) w.integer(*tenths / 10);
  else w.raw(format_double(static_cast<double>(*tenths) / 10));
}

void write_candidate(JsonWriter& w, const Candidate& c) {
  w.begin_object().field("engineer_id", c.engineer_id).key("outlet_id");
  if (c.outlet_id.empty()) w.null();
  else w.string(c.outlet_id);
  w.key("score").integer(c.score);
  write_distance(w, c.distance_tenths);
  w.key("open_dispatches").integer(c.open_dispatches).field_bool("skill_match", c.skill_match);
  w.key("parts_on_hand");
  if (c.parts_on_hand) w.boolean(*c.parts_on_hand);
  else w.null();
  w.key("excluded_because");
  if (c.eligible()) w.null();
  else w.string(c.excluded_because);
  w.end_object();
}

}  // namespace

EngineerView view_of(const EngineerFacts& e) {
  return EngineerView{e.id,     e.outlet_id, e.status,   e.outlet_status,   &e.skills,
                      e.active, e.max_open,  e.location, e.open_dispatches, e.parts_on_hand};
}

void RankingSummary::add(const EngineerView& e) {
  ++considered_;
  const Assessment a = assess_fast(in_, e);
  if (a.exclusion) {
    ++excluded_[a.exclusion];
    return;
  }
  ++eligible_;
  // Kept best first; a newcomer is compared by its numbers before anything is built.
  auto before = [&](const Candidate& c) {
    if (a.score != c.score) return a.score > c.score;
    if (e.open_dispatches != c.open_dispatches) return e.open_dispatches < c.open_dispatches;
    return e.id < c.engineer_id;
  };
  if (best_.size() == kRankingKept && !before(best_.back())) return;
  auto at = std::find_if(best_.begin(), best_.end(), before);
  best_.insert(at, candidate_of(in_, e, a));
  if (best_.size() > kRankingKept) best_.pop_back();
}

std::string RankingSummary::json() const {
  JsonWriter w;
  w.begin_object().key("considered").integer(static_cast<int64_t>(considered_));
  w.key("eligible").integer(static_cast<int64_t>(eligible_)).key("excluded").begin_object();
  for (const auto& [code, n] : excluded_) w.key(code).integer(n);
  w.end_object().key("candidates").begin_array();
  for (const Candidate& c : best_) write_candidate(w, c);
  w.end_array().end_object();
  return w.take();
}

bool ranks_before(const Candidate& a, const Candidate& b) {
  if (a.eligible() != b.eligible()) return a.eligible();
  if (a.eligible() && a.score != b.score) return a.score > b.score;
  if (a.eligible() && a.open_dispatches != b.open_dispatches) return a.open_dispatches < b.open_dispatches;
  return a.engineer_id < b.engineer_id;
}

std::vector<Candidate> rank_engineers(const RankingInput& in, const std::vector<EngineerFacts>& engineers) {
  std::vector<Candidate> out;
  out.reserve(engineers.size());
  for (const EngineerFacts& e : engineers) {
    const EngineerView v = view_of(e);
    out.push_back(candidate_of(in, v, assess_fast(in, v)));
  }
  std::sort(out.begin(), out.end(), ranks_before);
  return out;
}

std::string candidate_json(const Candidate& c) {
  JsonWriter w;
  write_candidate(w, c);
  return w.take();
}

std::string ranking_json(const std::vector<Candidate>& ranked) {
  std::map<std::string, int64_t> excluded;
  size_t eligible = 0;
  for (const Candidate& c : ranked) {
    if (c.eligible()) ++eligible;
    else ++excluded[c.exclusion];
  }
  JsonWriter w;
  w.begin_object().key("considered").integer(static_cast<int64_t>(ranked.size()));
  w.key("eligible").integer(static_cast<int64_t>(eligible)).key("excluded").begin_object();
  for (const auto& [code, n] : excluded) w.key(code).integer(n);
  w.end_object().key("candidates").begin_array();
  for (size_t i = 0; i < ranked.size() && i < kRankingKept && ranked[i].eligible(); ++i) write_candidate(w, ranked[i]);
  w.end_array().end_object();
  return w.take();
}

}  // namespace aftercare
