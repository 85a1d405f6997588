#include "domain/ranking.h"

#include <algorithm>
#include <map>

#include "domain/json.h"

namespace aftercare {
namespace {

Candidate assess(const RankingInput& in, const EngineerFacts& e) {
  Candidate c;
  c.engineer_id = e.id;
  c.outlet_id = e.outlet_id;
  c.open_dispatches = e.open_dispatches;
  c.skill_match = in.required_skill.empty() || std::binary_search(e.skills.begin(), e.skills.end(), in.required_skill);
  if (in.customer_location && e.location) c.distance_tenths = distance_tenths_km(*in.customer_location, *e.location);
  c.score = kBaseScore - std::min(c.distance_tenths.value_or(kDistanceCapTenths), kDistanceCapTenths) -
            kOpenDispatchWeight * e.open_dispatches;
  auto exclude = [&c](const char* code, std::string why) {
    c.exclusion = code;
    c.excluded_because = std::move(why);
  };
  if (!e.active) exclude("inactive", "inactive");
  else if (e.status == "off_duty") exclude("off_duty", "off duty");
  else if (e.open_dispatches >= e.max_open)
    exclude("at_capacity", "at capacity: " + std::to_string(e.open_dispatches) + " open of " + std::to_string(e.max_open));
  else if (!c.skill_match) exclude("lacks_skill", "lacks the skill \"" + in.required_skill + "\"");
  else if (e.outlet_status == "unknown") exclude("outlet_unknown", "outlet " + e.outlet_id + " is not registered");
  else if (!e.outlet_status.empty() && e.outlet_status != "certified")
    exclude("outlet_not_certified", "outlet " + e.outlet_id + " is " + e.outlet_status);
  else if (std::find(in.passed_over.begin(), in.passed_over.end(), e.id) != in.passed_over.end())
    exclude("passed_over", "declined this request or let its offer expire before");
  return c;
}

void write_distance(JsonWriter& w, const std::optional<int64_t>& tenths) {
  w.key("distance_km");
  if (!tenths) {
    w.null();
    return;
  }
  w.raw(std::to_string(*tenths / 10) + "." + std::to_string(*tenths % 10));
}

void write_candidate(JsonWriter& w, const Candidate& c) {
  w.begin_object().field("engineer_id", c.engineer_id).key("outlet_id");
  if (c.outlet_id.empty()) w.null();
  else w.string(c.outlet_id);
  w.key("score").integer(c.score);
  write_distance(w, c.distance_tenths);
  w.key("open_dispatches").integer(c.open_dispatches).field_bool("skill_match", c.skill_match);
  w.key("parts_on_hand").null().key("excluded_because");
  if (c.eligible()) w.null();
  else w.string(c.excluded_because);
  w.end_object();
}

}  // namespace

bool ranks_before(const Candidate& a, const Candidate& b) {
  if (a.eligible() != b.eligible()) return a.eligible();
  if (a.eligible() && a.score != b.score) return a.score > b.score;
  if (a.eligible() && a.open_dispatches != b.open_dispatches) return a.open_dispatches < b.open_dispatches;
  return a.engineer_id < b.engineer_id;
}

std::vector<Candidate> rank_engineers(const RankingInput& in, const std::vector<EngineerFacts>& engineers) {
  std::vector<Candidate> out;
  out.reserve(engineers.size());
  for (const EngineerFacts& e : engineers) out.push_back(assess(in, e));
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
