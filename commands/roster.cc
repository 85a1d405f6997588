#include "commands/roster.h"

#include <algorithm>

#include "domain/dispatch.h"
#include "domain/engineer_status.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/stock.h"

namespace aftercare {

Roster::Roster(StateStore& state) : state_(state) {
  state_.observe([this](AggregateKind kind, std::string_view id, const AggregateHead& head) { on_head(kind, id, head); });
}

Status Roster::load() {
  for (const AggregateKind& kind : {engineer_kind(), engineer_status_kind(), outlet_kind(), dispatch_kind(), stock_kind()}) {
    Status s = state_.visit_heads(kind, [&](std::string_view id, const AggregateHead& head) { on_head(kind, id, head); });
    if (!s) return s;
  }
  return Status::ok();
}

void Roster::on_head(AggregateKind kind, std::string_view id_view, const AggregateHead& head) {
  if (!head.state) return;
  const std::string id(id_view);
  if (kind == engineer_kind()) {
    const MasterRecord r = master_record(head.state.get());
    thread_local simdjson::dom::parser parser;
    auto doc = parse_strict(parser, r.fields);
    if (!doc) return;
    Engineer fresh;
    std::string_view s;
    if (!(*doc)["region"].get_string().get(s)) fresh.region = s;
    if (!(*doc)["outlet_id"].get_string().get(s)) fresh.outlet_id = s;
    if (!(*doc)["van_warehouse_id"].get_string().get(s)) fresh.van = s;
    simdjson::dom::array skills;
    if (!(*doc)["skills"].get_array().get(skills))
      for (auto k : skills)
        if (!k.get_string().get(s)) fresh.skills.emplace_back(s);
    std::sort(fresh.skills.begin(), fresh.skills.end());
    bool active = false;
    if (!(*doc)["active"].get_bool().get(active)) fresh.active = active;
    int64_t max_open;
    if (!(*doc)["max_open_dispatches"].get_int64().get(max_open)) fresh.max_open = max_open;
    simdjson::dom::element loc;
    if (!(*doc)["location"].get(loc) && loc.is_object()) fresh.home = location_from_json(loc);
    std::lock_guard lock(mu_);
    Engineer& e = engineers_[id];
    if (head.sequence <= e.record_seq) return;
    if (e.record_seq && e.region != fresh.region) by_region_[e.region].erase(id);
    e.record_seq = head.sequence;
    e.region = std::move(fresh.region);
    e.outlet_id = std::move(fresh.outlet_id);
    e.van = std::move(fresh.van);
    e.skills = std::move(fresh.skills);
    e.active = fresh.active;
    e.max_open = fresh.max_open;
    e.home = fresh.home;
    by_region_[e.region].insert(id);
  } else if (kind == engineer_status_kind()) {
    const EngineerStatusState& st = engineer_status_state(head.state.get());
    std::lock_guard lock(mu_);
    Engineer& e = engineers_[id];  // a status may arrive before the record
    if (head.sequence <= e.status_seq) return;
    e.status_seq = head.sequence;
    e.status = st.status;
    if (st.location) e.reported = st.location;
  } else if (kind == outlet_kind()) {
    const MasterRecord r = master_record(head.state.get());
    const std::string warehouse = string_member(r.fields, "warehouse_id");
    std::lock_guard lock(mu_);
    auto& o = outlets_[id];
    if (head.sequence > o.first) {
      o = {head.sequence, r.status};
      outlet_warehouses_[id] = warehouse;
    }
  } else if (kind == stock_kind()) {
    const int64_t available = stock_state(head.state.get()).available();
    std::lock_guard lock(mu_);
    auto& known = available_[id];
    if (head.sequence > known.first) known = {head.sequence, available};
  } else if (kind == dispatch_kind()) {
    const DispatchState& d = dispatch_state(head.state.get());
    std::lock_guard lock(mu_);
    // Only open dispatches are kept: a dispatch never reopens, and the
    // store reports a dispatch's heads in order, so an ended one is forgotten.
    if (is_open(d.status)) {
      Dispatch& known = dispatches_[id];
      if (head.sequence <= known.seq) return;
      known = {head.sequence, d.engineer_id, true};
      engineers_[d.engineer_id].open.insert(id);
    } else {
      dispatches_.erase(id);
      if (auto e = engineers_.find(d.engineer_id); e != engineers_.end()) e->second.open.erase(id);
    }
  }
}

std::string_view Roster::outlet_status(const Engineer& e) const {
  if (e.outlet_id.empty()) return {};
  auto o = outlets_.find(e.outlet_id);
  return o == outlets_.end() ? std::string_view("unknown") : std::string_view(o->second.second);
}

std::string_view Roster::parts_warehouse(const Engineer& e) const {
  if (!e.van.empty()) return e.van;
  auto w = outlet_warehouses_.find(e.outlet_id);
  return w == outlet_warehouses_.end() ? std::string_view() : std::string_view(w->second);
}

bool Roster::has_parts(std::string_view warehouse, const std::vector<PartLine>& parts) const {
  if (warehouse.empty()) return false;
  for (const PartLine& p : parts) {
    auto item = available_.find(std::string(warehouse) + ":" + p.part_no);
    if (item == available_.end() || item->second.second < p.qty) return false;
  }
  return true;
}

RankingSummary Roster::summarize(std::string_view region, const RankingInput& in, const std::vector<PartLine>* parts) const {
  RankingSummary summary(in);
  std::lock_guard lock(mu_);
  auto r = by_region_.find(region);
  if (r == by_region_.end()) return summary;
  for (const std::string& id : r->second) {
    const Engineer& e = engineers_.at(id);
    std::optional<bool> on_hand;
    if (parts) on_hand = has_parts(parts_warehouse(e), *parts);
    summary.add(EngineerView{id, e.outlet_id, e.status, outlet_status(e), &e.skills, e.active && e.record_seq > 0,
                             e.max_open, e.reported ? e.reported : e.home, static_cast<int64_t>(e.open.size()), on_hand});
  }
  return summary;
}

EngineerFacts Roster::facts(const std::string& id, const Engineer& e) const {
  EngineerFacts f;
  f.id = id;
  f.outlet_id = e.outlet_id;
  f.region = e.region;
  f.skills = e.skills;
  f.active = e.active && e.record_seq > 0;
  f.max_open = e.max_open;
  f.status = e.status;
  f.location = e.reported ? e.reported : e.home;
  f.open_dispatches = static_cast<int64_t>(e.open.size());
  f.outlet_status = outlet_status(e);
  return f;
}

std::vector<EngineerFacts> Roster::engineers_in(std::string_view region) const {
  std::lock_guard lock(mu_);
  std::vector<EngineerFacts> out;
  auto r = by_region_.find(region);
  if (r == by_region_.end()) return out;
  out.reserve(r->second.size());
  for (const std::string& id : r->second) out.push_back(facts(id, engineers_.at(id)));
  return out;
}

std::optional<EngineerFacts> Roster::engineer(std::string_view id) const {
  std::lock_guard lock(mu_);
  auto it = engineers_.find(std::string(id));
  if (it == engineers_.end() || !it->second.record_seq) return std::nullopt;
  return facts(it->first, it->second);
}

size_t Roster::size() const {
  std::lock_guard lock(mu_);
  return engineers_.size();
}

}  // namespace aftercare
