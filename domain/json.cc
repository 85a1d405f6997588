#include "domain/json.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <fmt/format.h>

namespace aftercare {

std::string format_double(double v) { return fmt::format("{}", v); }

void append_json_string(std::string& out, std::string_view v) {
  out.push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(v.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out.append(v.data() + start, v.size() - start);
  out.push_back('"');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  assert(!first_.empty());
  first_.pop_back();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  assert(!first_.empty());
  first_.pop_back();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  assert(!after_key_);
  before_value();
  append_json_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view v) {
  before_value();
  append_json_string(out_, v);
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t v) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::uinteger(uint64_t v) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

namespace {

Status check_element(simdjson::dom::element e, size_t depth) {
  if (depth > kMaxJsonDepth) {
    return {Errc::invalid_argument, "JSON nested deeper than " + std::to_string(kMaxJsonDepth)};
  }
  if (e.is_array()) {
    const simdjson::dom::array arr = e.get_array().value_unsafe();
    for (auto child : arr) {
      if (Status s = check_element(child, depth + 1); !s) return s;
    }
  } else if (e.is_object()) {
    const simdjson::dom::object obj = e.get_object().value_unsafe();
    std::vector<std::string_view> keys;
    for (auto field : obj) {
      keys.push_back(field.key);
      if (Status s = check_element(field.value, depth + 1); !s) return s;
    }
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) {
      return {Errc::invalid_argument, "duplicate key \"" + std::string(*dup) + "\""};
    }
  }
  return Status::ok();
}

}  // namespace

Result<simdjson::dom::element> parse_strict(simdjson::dom::parser& parser, std::string_view text) {
  simdjson::dom::element root;
  auto err = parser.parse(text.data(), text.size()).get(root);
  if (err) {
    return Status{Errc::invalid_argument,
                  std::string("malformed JSON: ") + simdjson::error_message(err)};
  }
  if (Status s = check_element(root, 0); !s) return s;
  return root;
}

std::string string_member(std::string_view json, const char* key) {
  thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
  auto doc = parse_strict(parser, json);
  std::string_view v;
  if (!doc || (*doc)[key].get_string().get(v)) return {};
  return std::string(v);
}

std::optional<int64_t> int_member(std::string_view json, const char* key) {
  thread_local simdjson::dom::parser parser;
  auto doc = parse_strict(parser, json);
  int64_t v;
  if (!doc || (*doc)[key].get_int64().get(v)) return std::nullopt;
  return v;
}

Result<std::string> with_null_field(const std::string& data, std::string_view name) {
  if (data.size() < 2 || data.back() != '}') return Status{Errc::corruption, "data is not an object"};
  std::string out = data.substr(0, data.size() - 1);
  if (data.size() > 2) out += ',';
  out += '"';
  out += name;
  out += "\":null}";
  return out;
}

}  // namespace aftercare
