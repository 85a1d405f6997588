// Body: reads the fields of a command's JSON body with the limits of
// api.md — wrong types are 400 (invalid_argument), missing fields, bad
// enums and lengths 422 (unprocessable). It remembers the first problem.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "domain/master_data.h"
#include "domain/status.h"
#include "domain/time.h"

namespace aftercare {

class Body {
 public:
  explicit Body(simdjson::dom::element e) {
    if (e.get_object().get(obj_)) fail(Errc::invalid_argument, "the body must be a JSON object");
  }
  const Status& status() const { return status_; }

  std::optional<simdjson::dom::element> value(const char* k) {
    simdjson::dom::element v;
    if (!status_ || obj_.at_key(k).get(v) || v.is_null()) return std::nullopt;
    return v;
  }
  std::string text(const char* k, bool required, size_t max = kMaxShortText) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return {};
    }
    std::string_view s;
    if (v->get_string().get(s)) return type(k, "a string"), std::string();
    if (s.size() > max) fail(Errc::unprocessable, quote(k) + " is longer than " + std::to_string(max) + " bytes");
    else if (required && s.empty()) fail(Errc::unprocessable, quote(k) + " must not be empty");
    return std::string(s);
  }
  std::string id(const char* k, bool required) {
    std::string s = text(k, required, kMaxIdBytes);
    if (!s.empty() && !valid_id(s)) fail(Errc::unprocessable, quote(k) + " is not a valid id");
    return s;
  }
  std::string choice(const char* k, std::initializer_list<std::string_view> allowed, bool required,
                     std::string_view fallback = {}) {
    std::string s = text(k, required);
    if (s.empty() && !required) return std::string(fallback);
    if (status_ && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(Errc::unprocessable, quote(k) + " must be one of: " + list);
    }
    return s;
  }
  std::optional<Timestamp> time(const char* k, bool required) {
    std::string s = text(k, required);
    if (s.empty()) return std::nullopt;
    auto t = parse_rfc3339(s);
    if (!t) fail(Errc::unprocessable, quote(k) + " is not an RFC 3339 date-time");
    return t;
  }
  int64_t integer(const char* k, bool required, int64_t lo, int64_t hi) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return lo;
    }
    int64_t n = 0;
    if (v->get_int64().get(n)) return type(k, "an integer"), lo;
    if (n < lo || n > hi)
      fail(Errc::unprocessable, quote(k) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return n;
  }
  bool boolean(const char* k, bool required) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return false;
    }
    bool b = false;
    if (v->get_bool().get(b)) type(k, "true or false");
    return b;
  }
  std::optional<Body> object(const char* k, bool required) {
    auto v = value(k);
    if (!v) {
      if (required) missing(k);
      return std::nullopt;
    }
    if (!v->is_object()) return type(k, "an object"), std::nullopt;
    return Body(*v);
  }
  void absorb(const Body& inner) {
    if (status_ && !inner.status_) status_ = inner.status_;
  }

 private:
  static std::string quote(const char* k) { return "\"" + std::string(k) + "\""; }
  void fail(Errc code, std::string message) {
    if (status_) status_ = Status{code, std::move(message)};
  }
  void missing(const char* k) { fail(Errc::unprocessable, quote(k) + " is required"); }
  void type(const char* k, const char* what) { fail(Errc::invalid_argument, quote(k) + " must be " + what); }

  simdjson::dom::object obj_;
  Status status_;
};

// Reads JSON the domain itself wrote (event data, stored state): a missing
// or mistyped field is corruption, not a client error.
class Fields {
 public:
  explicit Fields(simdjson::dom::element e) { ok_ = !e.get_object().get(obj_); }
  bool ok() const { return ok_; }
  bool has(const char* k) { return !obj_.at_key(k).error(); }
  std::string str(const char* k) {
    std::string_view s;
    if (auto v = obj_.at_key(k); !v.error() && v.value_unsafe().is_null()) return {};
    if (obj_.at_key(k).get_string().get(s)) ok_ = false;
    return std::string(s);
  }
  int64_t integer(const char* k) {
    int64_t n = 0;
    if (obj_.at_key(k).get_int64().get(n)) ok_ = false;
    return n;
  }
  bool boolean(const char* k) {
    bool b = false;
    if (obj_.at_key(k).get_bool().get(b)) ok_ = false;
    return b;
  }
  std::optional<Timestamp> time(const char* k) {
    const std::string s = str(k);
    if (s.empty()) return std::nullopt;
    auto t = parse_rfc3339(s);
    if (!t) ok_ = false;
    return t;
  }
  std::vector<std::string> strings(const char* k) {
    std::vector<std::string> out;
    simdjson::dom::array a;
    if (obj_.at_key(k).get_array().get(a)) return ok_ = false, out;
    for (auto item : a) {
      std::string_view v;
      if (item.get_string().get(v)) return ok_ = false, out;
      out.emplace_back(v);
    }
    return out;
  }
  // The member as minified JSON ("" when absent or null).
  std::string raw(const char* k) {
    simdjson::dom::element e;
    if (obj_.at_key(k).get(e) || e.is_null()) return {};
    return simdjson::minify(e);
  }
  std::optional<simdjson::dom::element> object(const char* k) {
    simdjson::dom::element e;
    if (obj_.at_key(k).get(e) || e.is_null()) return std::nullopt;
    if (!e.is_object()) ok_ = false;
    return e;
  }

 private:
  simdjson::dom::object obj_;
  bool ok_ = true;
};

}  // namespace aftercare
