// JSON in and out.
//
// JsonWriter produces canonical JSON: no whitespace, fields in the order the
// caller writes them, strings escaped one way only (", \, and control
// characters; all other UTF-8 passes through). Event envelopes and read-model
// rows are written with it, so equal values always give equal bytes — the
// hash chain and the replay digests depend on that.
//
// parse_strict() wraps simdjson's DOM parser and additionally rejects what
// api.md calls malformed: duplicate keys and nesting deeper than kMaxDepth.
// simdjson itself rejects invalid UTF-8 and lone surrogates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "domain/status.h"

namespace aftercare {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view v);
  JsonWriter& integer(int64_t v);
  JsonWriter& uinteger(uint64_t v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // Inserts already-canonical JSON as one value.
  JsonWriter& raw(std::string_view json);

  // Convenience: key + value.
  JsonWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, const char* v) { return key(k).string(v); }
  JsonWriter& field_int(std::string_view k, int64_t v) { return key(k).integer(v); }
  JsonWriter& field_bool(std::string_view k, bool v) { return key(k).boolean(v); }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  std::string out_;
  std::vector<bool> first_;  // one entry per open container: no value written yet
  bool after_key_ = false;
};

void append_json_string(std::string& out, std::string_view v);

// A number that is not an integer, in the one spelling canonical JSON has
// for it: the shortest that reads back as the same double ("1.4", "10",
// "1e-06"). Every event's bytes are re-read and compared before they are
// appended, so a writer that spelled 10 as "10.0" would be refused there.
std::string format_double(double v);

inline constexpr size_t kMaxJsonDepth = 64;

// Parses `text` into `parser`'s document. Errors are Errc::invalid_argument
// with a message fit for a client ("duplicate key \"x\"", "invalid UTF-8").
Result<simdjson::dom::element> parse_strict(simdjson::dom::parser& parser, std::string_view text);

// A top-level string member of the JSON object `json`; "" when it is absent,
// not a string, or `json` is not an object. For reading stored state.
std::string string_member(std::string_view json, const char* key);
// The integer member `key` of a JSON object, if it is one.
std::optional<int64_t> int_member(std::string_view json, const char* key);

// The JSON object `data` with `"<name>":null` appended: an upcaster's step
// for a field a newer event version added.
Result<std::string> with_null_field(const std::string& data, std::string_view name);

}  // namespace aftercare
