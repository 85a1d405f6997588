#include "domain/master_data.h"

#include <algorithm>

#include "domain/json.h"

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

Status write_field(const FieldSpec& f, simdjson::dom::element v, JsonWriter& w) {
  switch (f.type) {
    case FieldType::boolean: {
      bool b;
      if (v.get_bool().get(b)) return wrong_type(f.name, "true or false");
      w.field_bool(f.name, b);
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

namespace {
constexpr std::string_view kUpdatedAt = ",\"updated_at\":";
}

std::string master_state(std::string_view fields, Timestamp updated_at) {
  std::string out(fields.substr(0, fields.size() - 1));
  if (fields.size() > 2) out += kUpdatedAt;
  else out += kUpdatedAt.substr(1);
  append_json_string(out, format_rfc3339(updated_at));
  out.push_back('}');
  return out;
}

MasterRecord master_record(std::string_view state) {
  if (state.empty()) return {};
  const size_t at = state.rfind(kUpdatedAt);
  return {true, std::string(state.substr(0, at == std::string_view::npos ? state.size() - 1 : at)) + "}"};
}

MasterRecord master_record(const AggregateState* state) { return state ? master_record(state->to_json()) : MasterRecord{}; }

Decision decide_upsert(const MasterRecord& state, const std::string& normalized, Timestamp now) {
  if (state.exists && state.fields == normalized) return std::vector<Event>{};
  return std::vector<Event>{Event{state.exists ? "updated" : "registered", 1, normalized, now}};
}

namespace {

// A master record's state is the canonical JSON master_state() builds.
Status apply_master(std::string& state, std::string_view, const Event& e) {
  // Upserted whole: the newest event is the state.
  if (e.name != "registered" && e.name != "updated")
    return Status{Errc::corruption, "unknown master data event " + e.name};
  if (e.data.size() < 2 || e.data.back() != '}') return Status{Errc::corruption, "master data is not an object"};
  state = master_state(e.data, e.time);
  return Status::ok();
}

std::string state_json(const std::string& state) { return state; }

using MasterState = StateOf<std::string, apply_master, state_json>;

}  // namespace

KindSpec master_kind_spec(std::string_view name, const MasterSpec& spec, std::vector<Event> (*example)(uint64_t)) {
  return KindSpec{
      .name = name,
      .topic = "aftercare.master",
      .events = {{"registered"}, {"updated"}},
      .empty_state = []() -> std::unique_ptr<AggregateState> { return std::make_unique<MasterState>(); },
      .state_from_json = [](std::string_view json) -> Result<std::unique_ptr<AggregateState>> {
        if (json.size() < 2 || json.back() != '}') return Status{Errc::corruption, "master state is not an object"};
        return std::unique_ptr<AggregateState>(std::make_unique<MasterState>(std::string(json)));
      },
      .partition_key = nullptr,
      .master = &spec,
      .example = example,
  };
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
        case FieldType::time: w.field(f.name, format_rfc3339(Timestamp{static_cast<int64_t>((bits >> 30) % 4'000'000'000'000)})); break;
        case FieldType::enumeration: w.field(f.name, f.allowed[(bits >> 40) % f.allowed.size()]); break;
        case FieldType::text_list: w.key(f.name).begin_array().string(value).end_array(); break;
        default: w.field(f.name, value);
      }
    }
    const std::string normalized = w.end_object().take();
    auto decided = decide_upsert(state, normalized, Timestamp{1'700'000'000'000 + n * 60'000});
    for (Event& e : std::get<std::vector<Event>>(decided)) {
      state = {true, e.data};
      events.push_back(std::move(e));
    }
  }
  return events;
}

}  // namespace aftercare
