#include "eventstore/envelope.h"

#include <fmt/format.h>

#include <charconv>

#include "base/ids.h"
#include "domain/json.h"

namespace aftercare {

std::string encode(const Envelope& e) {
  JsonWriter w;
  w.begin_object()
      .field("specversion", kSpecVersion)
      .field("id", e.id)
      .field("source", kSource)
      .field("type", e.type)
      .field("subject", e.subject)
      .field("time", format_rfc3339(e.time))
      .field("datacontenttype", kDataContentType)
      .field("aggregateid", e.aggregate_id)
      .key("sequence")
      .uinteger(e.sequence)
      .field("commandid", e.command_id)
      .field("actor", e.actor)
      .field("correlationid", e.correlation_id)
      .field("prevhash", e.prevhash)
      .key("data")
      .raw(e.data)
      .end_object();
  return w.take();
}

void write_canonical(simdjson::dom::element e, std::string& out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      const simdjson::dom::object obj = e.get_object().value_unsafe();
      for (auto field : obj) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, field.key);
        out.push_back(':');
        write_canonical(field.value, out);
      }
      out.push_back('}');
      break;
    }
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      const simdjson::dom::array arr = e.get_array().value_unsafe();
      for (auto v : arr) {
        if (!first) out.push_back(',');
        first = false;
        write_canonical(v, out);
      }
      out.push_back(']');
      break;
    }
    case element_type::STRING: append_json_string(out, e.get_string().value_unsafe()); break;
    case element_type::INT64: out += std::to_string(e.get_int64().value_unsafe()); break;
    case element_type::UINT64: out += std::to_string(e.get_uint64().value_unsafe()); break;
    case element_type::DOUBLE: out += format_double(e.get_double().value_unsafe()); break;
    case element_type::BOOL: out += e.get_bool().value_unsafe() ? "true" : "false"; break;
    case element_type::NULL_VALUE: out += "null"; break;
  }
}

namespace {

Status bad(std::string what) { return {Errc::corruption, "envelope: " + std::move(what)}; }

// Reads a required string attribute.
Status take_string(simdjson::dom::element v, std::string_view name, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return bad(fmt::format("\"{}\" is not a string", name));
  out.assign(s);
  return Status::ok();
}

}  // namespace

Result<Envelope> decode(std::string_view bytes, simdjson::dom::parser& parser) {
  auto root = parse_strict(parser, bytes);
  if (!root) return bad(root.status().message());
  simdjson::dom::object obj;
  if (root->get_object().get(obj)) return bad("not a JSON object");

  Envelope e;
  std::string spec, source, time, content_type;
  unsigned seen = 0;
  for (auto [key, value] : obj) {
    Status s;
    if (key == "specversion") s = take_string(value, key, spec), seen |= 1u << 0;
    else if (key == "id") s = take_string(value, key, e.id), seen |= 1u << 1;
    else if (key == "source") s = take_string(value, key, source), seen |= 1u << 2;
    else if (key == "type") s = take_string(value, key, e.type), seen |= 1u << 3;
    else if (key == "subject") s = take_string(value, key, e.subject), seen |= 1u << 4;
    else if (key == "time") s = take_string(value, key, time), seen |= 1u << 5;
    else if (key == "datacontenttype") s = take_string(value, key, content_type), seen |= 1u << 6;
    else if (key == "aggregateid") s = take_string(value, key, e.aggregate_id), seen |= 1u << 7;
    else if (key == "sequence") {
      if (value.get_uint64().get(e.sequence) || e.sequence == 0) s = bad("bad \"sequence\"");
      seen |= 1u << 8;
    } else if (key == "commandid") s = take_string(value, key, e.command_id), seen |= 1u << 9;
    else if (key == "actor") s = take_string(value, key, e.actor), seen |= 1u << 10;
    else if (key == "correlationid") s = take_string(value, key, e.correlation_id), seen |= 1u << 11;
    else if (key == "prevhash") s = take_string(value, key, e.prevhash), seen |= 1u << 12;
    else if (key == "data") {
      if (!value.is_object()) s = bad("\"data\" is not an object");
      else write_canonical(value, e.data);
      seen |= 1u << 13;
    } else {
      s = bad(fmt::format("unknown attribute \"{}\"", key));
    }
    if (!s) return s;
  }
  if (seen != (1u << 14) - 1) return bad("missing attribute");
  if (spec != kSpecVersion) return bad("unsupported specversion \"" + spec + "\"");
  if (source != kSource) return bad("unexpected source \"" + source + "\"");
  if (content_type != kDataContentType) return bad("unexpected datacontenttype");
  auto t = parse_rfc3339(time);
  if (!t) return bad("bad \"time\"");
  e.time = *t;
  if (!parse_type(e.type)) return bad("bad \"type\" \"" + e.type + "\"");
  if (e.prevhash.size() != 64 ||
      e.prevhash.find_first_not_of("0123456789abcdef") != std::string::npos)
    return bad("bad \"prevhash\"");
  return e;
}

Result<EventTypeName> parse_type(std::string_view type) {
  constexpr std::string_view kPrefix = "aftercare.";
  if (!type.starts_with(kPrefix)) return Status{Errc::invalid_argument, "type prefix"};
  type.remove_prefix(kPrefix.size());
  const size_t dot1 = type.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : type.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || dot1 == 0 || dot2 == dot1 + 1)
    return Status{Errc::invalid_argument, "type shape"};
  const std::string_view ver = type.substr(dot2 + 1);
  EventTypeName out{std::string(type.substr(0, dot1)),
                    std::string(type.substr(dot1 + 1, dot2 - dot1 - 1)), 0};
  if (ver.size() < 2 || ver[0] != 'v') return Status{Errc::invalid_argument, "type version"};
  auto [p, ec] = std::from_chars(ver.data() + 1, ver.data() + ver.size(), out.version);
  if (ec != std::errc() || p != ver.data() + ver.size() || out.version < 1)
    return Status{Errc::invalid_argument, "type version"};
  return out;
}

std::string make_type(std::string_view aggregate, std::string_view event, int version) {
  return fmt::format("aftercare.{}.{}.v{}", aggregate, event, version);
}

std::string chain_hash(std::string_view envelope_bytes) { return to_hex(sha256(envelope_bytes)); }

}  // namespace aftercare
