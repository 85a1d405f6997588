#include "tests/openapi_check.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace aftercare::testing {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool template_matches(std::string_view pattern, std::string_view path) {
  const auto p = segments(pattern), s = segments(path);
  if (p.size() != s.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].starts_with('{')) {
      if (s[i].empty()) return false;
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  return true;
}

std::string type_of(element v) {
  switch (v.type()) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64: return "integer";
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
    default: return "unknown";
  }
}

bool has_type(element v, std::string_view t) {
  const std::string actual = type_of(v);
  return actual == t || (t == "number" && actual == "integer");
}

size_t code_points(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// RFC 3339 date-time, the shape only: 2026-11-24T08:00:00[.fff](Z|±hh:mm).
bool looks_like_date_time(std::string_view s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return false;
  return s.back() == 'Z' || s.back() == 'z' || (s.size() >= 6 && s[s.size() - 3] == ':');
}

bool same_value(element a, element b) {
  if (a.type() != b.type()) {
    int64_t x = 0, y = 0;
    return !a.get_int64().get(x) && !b.get_int64().get(y) && x == y;
  }
  return simdjson::minify(a) == simdjson::minify(b);
}

}  // namespace

std::unique_ptr<OpenApiCheck> OpenApiCheck::parse(const std::string& document) {
  std::unique_ptr<OpenApiCheck> c(new OpenApiCheck());
  if (c->parser_.parse(document).get(c->root_)) return nullptr;
  simdjson::dom::object paths;
  if (c->root_["paths"].get_object().get(paths)) return nullptr;
  return c;
}

element OpenApiCheck::resolve(element e) const {
  std::string_view ref;
  for (int hops = 0; hops < 8 && !e["$ref"].get_string().get(ref); ++hops) {
    // "#/components/schemas/RequestView"
    if (!ref.starts_with("#/")) return e;
    element at = root_;
    std::string_view rest = ref.substr(2);
    while (!rest.empty()) {
      const size_t slash = rest.find('/');
      if (at[rest.substr(0, slash)].get(at)) return e;
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    }
    e = at;
  }
  return e;
}

std::string OpenApiCheck::validate(element s, element v, const std::string& at, int depth) const {
  if (depth > 32) return "";
  s = resolve(s);
  element x;
  if (!s["const"].get(x) && !same_value(x, v)) return at + ": is " + simdjson::minify(v) + ", not " + simdjson::minify(x);
  simdjson::dom::array list;
  if (!s["enum"].get_array().get(list)) {
    bool found = false;
    for (element option : list) found = found || same_value(option, v);
    if (!found) return at + ": " + simdjson::minify(v) + " is not one of " + simdjson::minify(list);
  }
  std::string_view type;
  if (!s["type"].get_string().get(type)) {
    if (!has_type(v, type)) return at + ": is " + type_of(v) + ", not " + std::string(type);
  } else if (!s["type"].get_array().get(list)) {
    bool found = false;
    for (element t : list) found = found || has_type(v, t.get_string().value_unsafe());
    if (!found) return at + ": is " + type_of(v) + ", not any of " + simdjson::minify(list);
  }
  if (v.is_string()) {
    const std::string_view str = v.get_string().value_unsafe();
    uint64_t max = 0;
    if (!s["maxLength"].get_uint64().get(max) && code_points(str) > max)
      return at + ": longer than " + std::to_string(max);
    std::string_view format;
    if (!s["format"].get_string().get(format) && format == "date-time" && !looks_like_date_time(str))
      return at + ": \"" + std::string(str) + "\" is not a date-time";
  }
  int64_t n = 0, bound = 0;
  if (!v.get_int64().get(n)) {
    if (!s["minimum"].get_int64().get(bound) && n < bound) return at + ": below " + std::to_string(bound);
    if (!s["maximum"].get_int64().get(bound) && n > bound) return at + ": above " + std::to_string(bound);
  }
  simdjson::dom::object object;
  if (!v.get_object().get(object)) {
    if (!s["required"].get_array().get(list))
      for (element name : list)
        if (object[name.get_string().value_unsafe()].error())
          return at + ": lacks required \"" + std::string(name.get_string().value_unsafe()) + "\"";
    simdjson::dom::object properties;
    if (!s["properties"].get_object().get(properties))
      for (auto [key, value] : object) {
        element p;
        if (properties[key].get(p)) continue;  // not described: allowed
        if (auto why = validate(p, value, at + "." + std::string(key), depth + 1); !why.empty()) return why;
      }
  }
  simdjson::dom::array items;
  element item_schema;
  if (!v.get_array().get(items) && !s["items"].get(item_schema)) {
    size_t i = 0;
    for (element item : items)
      if (auto why = validate(item_schema, item, at + "[" + std::to_string(i++) + "]", depth + 1); !why.empty())
        return why;
  }
  return "";
}

std::string OpenApiCheck::check(boost::beast::http::verb method, std::string_view target, int status,
                                const boost::beast::http::fields& headers, std::string_view body) const {
  const std::string_view path = target.substr(0, target.find('?'));
  std::string verb(boost::beast::http::to_string(method == boost::beast::http::verb::head
                                                     ? boost::beast::http::verb::get
                                                     : method));
  for (char& c : verb) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string what = std::string(boost::beast::http::to_string(method)) + " " + std::string(path) + " -> " +
                           std::to_string(status) + ": ";
  simdjson::dom::object paths = root_["paths"].get_object().value_unsafe();
  element operation;
  bool found = false;
  for (auto [pattern, item] : paths) {
    if (!template_matches(pattern, path)) continue;
    if (!item[verb].get(operation)) found = true;
    break;
  }
  if (!found) return "";  // no documented operation: 404 or 405

  element response;
  if (operation["responses"][std::to_string(status)].get(response) &&
      operation["responses"]["default"].get(response))
    return what + "the status is not declared in /openapi.json";
  response = resolve(response);

  simdjson::dom::object declared;
  if (!response["headers"].get_object().get(declared))
    for (auto [name, header] : declared) {
      bool required = false;
      if (!resolve(header)["required"].get_bool().get(required) && required &&
          headers.find(std::string(name)) == headers.end())
        return what + "the required header " + std::string(name) + " is missing";
    }

  simdjson::dom::object content;
  if (response["content"].get_object().get(content)) return "";  // no body declared
  auto type_header = headers.find(boost::beast::http::field::content_type);
  if (type_header == headers.end()) return body.empty() ? "" : what + "a body without Content-Type";
  std::string_view media = type_header->value();
  media = media.substr(0, media.find(';'));
  element media_object;
  if (content[media].get(media_object))
    return what + "Content-Type " + std::string(media) + " is not declared for it";
  element schema;
  if (method == boost::beast::http::verb::head || body.empty() || media_object["schema"].get(schema)) return "";
  if (media != "application/json" && media != "application/problem+json") return "";
  simdjson::dom::parser parser;
  element value;
  if (parser.parse(body.data(), body.size()).get(value)) return what + "the body is not JSON";
  if (auto why = validate(schema, value, "body", 0); !why.empty()) return what + why;
  return "";
}

}  // namespace aftercare::testing
