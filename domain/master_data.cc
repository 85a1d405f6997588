#include "domain/master_data.h"

#include <algorithm>
#include <cmath>

#include "domain/json.h"
#include "domain/location.h"

namespace aftercare {

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == ':' || c == '-';
  });
}

namespace {

Status wrong_type(std::string_view field, const char* expected) {
  return {Errc::invalid_argument, "\"" + std::string(field) + "\" must be " + expected};
}

Status invalid(std::string_view field, const std::string& why) {
  return {Errc::unprocessable, "\"" + std::string(field) + "\" " + why};
}

Status write_text(const FieldSpec& f, simdjson::dom::element v, JsonWriter& w) {
  std::string_view s;
  if (v.get_string().get(s)) return wrong_type(f.name, "a string");
  const size_t max = f.type == FieldType::long_text ? kMaxLongText : kMaxShortText;
  if (s.size() > max) return invalid(f.name, "is longer than " + std::to_string(max) + " bytes");
  if (f.required && s.empty()) return invalid(f.name, "must not be empty");
  if (f.type == FieldType::enumeration &&
      std::find(f.allowed.begin(), f.allowed.end(), s) == f.allowed.end()) {
    std::string list;
    for (auto a : f.allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return invalid(f.name, "must be one of: " + list);
  }
  if (f.type == FieldType::time) {
    auto t = parse_rfc3339(s);
    if (!t) return invalid(f.name, "is not an RFC 3339 date-time");
    w.field(f.name, format_rfc3339(*t));
    return Status::ok();
  }
  w.field(f.name, s);
  return Status::ok();
}

Status write_location(const FieldSpec& f, simdjson::dom::element v, JsonWriter& w) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj)) return wrong_type(f.name, "an object {\"lat\", \"lon\"}");
  const std::pair<const char*, double> axes[] = {{"lat", 90.0}, {"lon", 180.0}};
  w.key(f.name).begin_object();
  for (const auto& [axis, limit] : axes) {
    double x;
    if (obj[axis].get_double().get(x)) return wrong_type(f.name, "an object with numbers \"lat\" and \"lon\"");
    if (!std::isfinite(x) || x < -limit || x > limit)
      return invalid(f.name, std::string(axis) + " must be between " + std::to_string(int(-limit)) + " and " +
                                 std::to_string(int(limit)));
    w.key(axis).raw(format_micro_degrees(std::llround(x * 1e6)));
  }
  w.end_object();
  return Status::ok();
}

Status write_money_by_key(const FieldSpec& f, simdjson::dom::element v, JsonWriter& w) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj)) return wrong_type(f.name, "an object of amounts");
  for (auto [key, unused] : obj)
    if (std::find(f.allowed.begin(), f.allowed.end(), key) == f.allowed.end())
      return invalid(f.name, "has an unknown key \"" + std::string(key).substr(0, 64) + "\"");
  w.key(f.name).begin_object();
  for (std::string_view key : f.allowed) {  // in the spec's order: canonical
    simdjson::dom::element amount;
    if (obj.at_key(key).get(amount)) continue;
    int64_t n;
    if (amount.get_int64().get(n))
      return wrong_type(f.name, "an object of integer amounts in minor units (8000 for 80.00)");
    if (n < 0 || n > kMaxMoney) return invalid(f.name, "amounts must be between 0 and " + std::to_string(kMaxMoney));
    w.key(key).integer(n);
  }
  w.end_object();
  return Status::ok();
}

Status write_field(const FieldSpec& f, simdjson::dom::element v, JsonWriter& w) {
  switch (f.type) {
    case FieldType::location: return write_location(f, v, w);
    case FieldType::money_by_key: return write_money_by_key(f, v, w);
    case FieldType::boolean: {
      bool b;
      if (v.get_bool().get(b)) return wrong_type(f.name, "true or false");
      w.field_bool(f.name, b);
      return Status::ok();
    }
    case FieldType::money: {
      int64_t n;
      if (v.get_int64().get(n)) return wrong_type(f.name, "an integer amount in minor units (8000 for 80.00)");
      if (n < 0 || n > kMaxMoney) return invalid(f.name, "must be between 0 and " + std::to_string(kMaxMoney));
      w.field_int(f.name, n);
      return Status::ok();
    }
    case FieldType::count: {
      int64_t n;
      if (v.get_int64().get(n)) return wrong_type(f.name, "an integer");
      if (n < 0 || n > kMaxCount) return invalid(f.name, "must be between 0 and " + std::to_string(kMaxCount));
      w.field_int(f.name, n);
      return Status::ok();
    }
    case FieldType::text_list: {
      simdjson::dom::array arr;
      if (v.get_array().get(arr)) return wrong_type(f.name, "an array of strings");
      if (arr.size() > kMaxListItems) return invalid(f.name, "has too many items");
      std::vector<std::string_view> items;
      for (auto item : arr) {
        std::string_view s;
        if (item.get_string().get(s)) return wrong_type(f.name, "an array of strings");
        if (s.empty() || s.size() > kMaxShortText) return invalid(f.name, "has an empty or too long item");
        items.push_back(s);
      }
      // A set: order and repeats carry no meaning, so they must not make a new version.
      std::sort(items.begin(), items.end());
      items.erase(std::unique(items.begin(), items.end()), items.end());
      w.key(f.name).begin_array();
      for (auto s : items) w.string(s);
      w.end_array();
      return Status::ok();
    }
    default: return write_text(f, v, w);
  }
}

}  // namespace

Result<std::string> normalize_master(const MasterSpec& spec, std::string_view id,
                                     simdjson::dom::element body) {
  if (!valid_id(id)) return Status{Errc::unprocessable, "id must be 1..64 characters of A-Z a-z 0-9 . _ : -"};
  simdjson::dom::object obj;
  if (body.get_object().get(obj)) return Status{Errc::invalid_argument, "body must be a JSON object"};
  JsonWriter w;
  w.begin_object().field("id", id);
  for (const FieldSpec& f : spec.fields) {
    simdjson::dom::element v;
    if (obj.at_key(f.name).get(v) || v.is_null()) {
      if (f.required) return Status{Errc::unprocessable, "\"" + std::string(f.name) + "\" is required"};
      continue;
    }
    if (Status s = write_field(f, v, w); !s) return s;
  }
  w.end_object();
  return w.take();
}

const LifecycleAction* lifecycle_action(const MasterSpec& spec, std::string_view action) {
  if (!spec.lifecycle) return nullptr;
  for (const LifecycleAction& a : spec.lifecycle->actions)
    if (a.action == action) return &a;
  return nullptr;
}

namespace {
constexpr std::string_view kUpdatedAt = ",\"updated_at\":";
constexpr std::string_view kStatus = ",\"status\":";
}

// The state: the fields, then for a kind with a lifecycle "status" and
// "status_reason", then "updated_at". No field holds an object with those
// keys, and a string value cannot hold `,"` unescaped, so the members are
// found from the end.
std::string master_state(const MasterRecord& r, Timestamp updated_at) {
  std::string out(r.fields.substr(0, r.fields.size() - 1));
  const bool empty = r.fields.size() <= 2;
  if (!r.status.empty()) {
    out += empty ? kStatus.substr(1) : kStatus;
    append_json_string(out, r.status);
    out += ",\"status_reason\":";
    if (r.status_reason.empty()) out += "null";
    else append_json_string(out, r.status_reason);
    out += kUpdatedAt;
  } else {
    out += empty ? kUpdatedAt.substr(1) : kUpdatedAt;
  }
  append_json_string(out, format_rfc3339(updated_at));
  out.push_back('}');
  return out;
}

std::string master_state(std::string_view fields, Timestamp updated_at) {
  MasterRecord r;
  r.exists = true;
  r.fields = fields;
  return master_state(r, updated_at);
}

MasterRecord master_record(std::string_view state) {
  if (state.empty()) return {};
  size_t end = state.rfind(kUpdatedAt);
  if (end == std::string_view::npos) end = state.size() - 1;
  MasterRecord r;
  r.exists = true;
  if (const size_t at = state.rfind(kStatus, end); at != std::string_view::npos) {
    r.status = string_member(state, "status");
    r.status_reason = string_member(state, "status_reason");
    end = at;
  }
  r.fields = std::string(state.substr(0, end)) + "}";
  return r;
}

MasterRecord master_record(const AggregateState* state) { return state ? master_record(state->to_json()) : MasterRecord{}; }

Decision decide_upsert(const MasterRecord& state, const std::string& normalized, Timestamp now, int version) {
  if (state.exists && state.fields == normalized) return std::vector<Event>{};
  return std::vector<Event>{Event{state.exists ? "updated" : "registered", version, normalized, now}};
}

Decision decide_lifecycle(const MasterRecord& state, const LifecycleAction& action, std::string_view reason,
                          Timestamp now) {
  if (!state.exists) return Rejection{Errc::not_found, "no such record", ""};
  if (reason.empty() || reason.size() > kMaxShortText)
    return Rejection{Errc::unprocessable, "\"reason\" must be 1.." + std::to_string(kMaxShortText) + " bytes", ""};
  if (std::find(action.from.begin(), action.from.end(), state.status) == action.from.end())
    return Rejection{Errc::conflict, "cannot " + std::string(action.action) + " from " + state.status, state.status};
  JsonWriter w;
  w.begin_object().field("status", action.to).field("from", state.status).field("reason", reason).end_object();
  return std::vector<Event>{Event{std::string(action.event), 1, w.take(), now}};
}

namespace {

struct MasterState {
  MasterRecord record;
  Timestamp updated_at;
};

// A master state knows its spec only through the event names it accepts:
// upserts carry the whole record, lifecycle events the new status.
Status apply_master(MasterState& s, std::string_view, const Event& e, const Lifecycle* lifecycle) {
  if (e.name == "registered" || e.name == "updated") {
    if (e.data.size() < 2 || e.data.back() != '}') return Status{Errc::corruption, "master data is not an object"};
    s.record.exists = true;
    s.record.fields = e.data;  // upserted whole: the newest event is the record
    if (lifecycle && s.record.status.empty()) s.record.status = lifecycle->initial;
  } else if (lifecycle && s.record.exists && std::any_of(lifecycle->actions.begin(), lifecycle->actions.end(),
                                                         [&](const LifecycleAction& a) { return a.event == e.name; })) {
    s.record.status = string_member(e.data, "status");
    s.record.status_reason = string_member(e.data, "reason");
    if (s.record.status.empty()) return Status{Errc::corruption, e.name + " names no status"};
  } else {
    return Status{Errc::corruption, "unknown master data event " + e.name};
  }
  s.updated_at = e.time;
  return Status::ok();
}

class MasterAggregate final : public AggregateState {
 public:
  explicit MasterAggregate(const Lifecycle* lifecycle, MasterState s = {}) : lifecycle_(lifecycle), s_(std::move(s)) {}
  Status apply(std::string_view id, const Event& e) override { return apply_master(s_, id, e, lifecycle_); }
  std::string to_json() const override { return s_.record.exists ? master_state(s_.record, s_.updated_at) : std::string(); }
  std::unique_ptr<AggregateState> clone() const override { return std::make_unique<MasterAggregate>(*this); }

 private:
  const Lifecycle* lifecycle_;
  MasterState s_;
};

Result<std::string> same_data(const std::string& data) { return data; }

}  // namespace

std::unique_ptr<AggregateState> empty_master_state(const MasterSpec& spec) {
  return std::make_unique<MasterAggregate>(spec.lifecycle);
}

Result<std::unique_ptr<AggregateState>> master_state_from_json(const MasterSpec& spec, std::string_view json) {
  if (json.size() < 2 || json.back() != '}') return Status{Errc::corruption, "master state is not an object"};
  auto updated_at = parse_rfc3339(string_member(json, "updated_at"));
  if (!updated_at) return Status{Errc::corruption, "master state has no updated_at"};
  MasterRecord r = master_record(json);
  if (spec.lifecycle && r.status.empty()) return Status{Errc::corruption, "master state has no status"};
  return std::unique_ptr<AggregateState>(std::make_unique<MasterAggregate>(spec.lifecycle, MasterState{std::move(r), *updated_at}));
}

KindSpec master_kind_spec_base(std::string_view name, const MasterSpec& spec) {
  // Older versions of an upsert differ only by fields added since: they read as they are.
  std::vector<Result<std::string> (*)(const std::string&)> upcasts(spec.version - 1, same_data);
  std::vector<EventSpec> events = {{"registered", spec.version, upcasts}, {"updated", spec.version, upcasts}};
  if (spec.lifecycle)
    for (const LifecycleAction& a : spec.lifecycle->actions) events.push_back({a.event});
  KindSpec k{
      .name = name,
      .topic = "aftercare.master",
      .events = std::move(events),
      .empty_state = nullptr,
      .state_from_json = nullptr,
      .partition_key = nullptr,
      .master = &spec,
      .example = nullptr,
  };
  return k;
}

std::vector<Event> master_example(const MasterSpec& spec, uint64_t seed) {
  // Upserts of records whose optional fields come and go with the seed.
  std::vector<Event> events;
  MasterRecord state;
  uint64_t bits = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int n = 0; n < 4; ++n) {
    JsonWriter w;
    w.begin_object().field("id", "X-" + std::to_string(seed));
    for (const FieldSpec& f : spec.fields) {
      bits = bits * 6364136223846793005ull + 1442695040888963407ull;
      if (!f.required && (bits >> 60) % 2) continue;
      const std::string value = "v" + std::to_string((bits >> 33) % 3);
      switch (f.type) {
        case FieldType::boolean: w.field_bool(f.name, (bits >> 40) % 2); break;
        case FieldType::count: w.field_int(f.name, static_cast<int64_t>((bits >> 40) % 100)); break;
        case FieldType::money: w.field_int(f.name, static_cast<int64_t>((bits >> 40) % 100'000)); break;
        case FieldType::time: w.field(f.name, format_rfc3339(Timestamp{static_cast<int64_t>((bits >> 30) % 4'000'000'000'000)})); break;
        case FieldType::enumeration: w.field(f.name, f.allowed[(bits >> 40) % f.allowed.size()]); break;
        case FieldType::text_list: w.key(f.name).begin_array().string(value).end_array(); break;
        case FieldType::location:
          w.key(f.name).begin_object().key("lat").raw(format_micro_degrees(static_cast<int64_t>((bits >> 20) % 180'000'000) - 90'000'000))
              .key("lon").raw(format_micro_degrees(static_cast<int64_t>((bits >> 24) % 360'000'000) - 180'000'000)).end_object();
          break;
        case FieldType::money_by_key: w.key(f.name).begin_object().key(f.allowed[0]).integer((bits >> 40) % 100'000).end_object(); break;
        default: w.field(f.name, value);
      }
    }
    const std::string normalized = w.end_object().take();
    const Timestamp now{1'700'000'000'000 + n * 60'000};
    auto decided = decide_upsert(state, normalized, now, spec.version);
    for (Event& e : std::get<std::vector<Event>>(decided)) {
      state.exists = true;
      state.fields = e.data;
      if (spec.lifecycle && state.status.empty()) state.status = spec.lifecycle->initial;
      events.push_back(std::move(e));
    }
    if (!spec.lifecycle) continue;
    // Then one of its lifecycle's actions, where it may start from here.
    const auto& actions = spec.lifecycle->actions;
    auto moved = decide_lifecycle(state, actions[(bits >> 50) % actions.size()], "r", Timestamp{now.ms + 1});
    if (rejected(moved)) continue;
    for (Event& e : std::get<std::vector<Event>>(moved)) {
      state.status = string_member(e.data, "status");
      state.status_reason = "r";
      events.push_back(std::move(e));
    }
  }
  return events;
}

}  // namespace aftercare
