// libFuzzer target: arbitrary bytes through every field and header that
// ends up in an event's envelope, through the same functions the HTTP edge
// and the command bus use — the token file's name (the actor), the
// Idempotency-Key and X-Correlation-Id headers (command and correlation
// ids), the path's id, and the JSON body (the event's data). Whatever the
// edge accepts must make an envelope that decodes back to itself: the log
// never holds a record its readers cannot read.
//
// Input: five fields separated by 0xFE bytes (any may hold any other byte):
//   name | Idempotency-Key | X-Correlation-Id | path id (percent-encoded) | body
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/request_util.h"
#include "api/tokens.h"
#include "commands/command_bus.h"
#include "domain/json.h"
#include "domain/master_data.h"
#include "domain/request.h"
#include "eventstore/envelope.h"

namespace {

using namespace aftercare;

std::vector<std::string_view> split(std::string_view in) {
  std::vector<std::string_view> out;
  for (size_t at = 0; out.size() < 4;) {
    const size_t sep = in.find('\xfe', at);
    if (sep == std::string_view::npos) break;
    out.push_back(in.substr(at, sep - at));
    at = sep + 1;
    if (out.size() == 4) {
      out.push_back(in.substr(at));
      return out;
    }
  }
  return {};
}

// Every event the edge would let `body` cause must survive encode/decode.
void check(const Envelope& env) {
  static simdjson::dom::parser parser;
  const std::string bytes = encode(env);
  auto back = decode(bytes, parser);
  if (!back || *back != env) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = split(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parts.size() != 5) return 0;
  // The actor: a token file entry with this name (JSON-escaped as a file would hold it).
  std::string file = R"([{"token":"0123456789abcdef0123","role":"admin","name":)";
  append_json_string(file, parts[0]);
  file += "}]";
  auto tokens = Tokens::parse(file, "fuzz-key-0123456789abcdef0123456789");
  const Principal* who = tokens ? tokens->find("0123456789abcdef0123") : nullptr;
  if (!who) return 0;

  // The headers and the path, as Beast hands them over.
  HttpRequest req{http::verb::put, "/v1/customers/" + std::string(parts[3]), 11};
  req.set("Idempotency-Key", parts[1]);
  req.set("X-Correlation-Id", parts[2]);
  req.body() = std::string(parts[4]);
  auto ctx = command_context_of(req, who->actor);
  auto target = parse_target(req.target());
  if (!ctx || !target || target->segments.size() != 3) return 0;
  const std::string& id = target->segments[2];

  static simdjson::dom::parser parser;
  auto body = parse_strict(parser, parts[4]);
  if (!body) return 0;
  const Timestamp now{1795420800000};
  if (auto normalized = normalize_master(*customer_kind().master(), id, *body)) {
    auto decision = decide_upsert(MasterRecord{}, *normalized, now);
    if (auto* events = std::get_if<std::vector<Event>>(&decision))
      for (const Event& e : *events) check(event_envelope(customer_kind(), id, *ctx, 1, std::string(kGenesisHash), e));
  }
  if (auto open = decode_request_command("open", *body)) {
    auto cmd = std::get<OpenRequest>(*open);
    if (cmd.region.empty()) cmd.region = "north";
    auto decision = decide_request(RequestState{}, "R-1", cmd, now);
    if (auto* events = std::get_if<std::vector<Event>>(&decision))
      for (const Event& e : *events) check(event_envelope(request_kind(), "R-1", *ctx, 1, std::string(kGenesisHash), e));
  }
  return 0;
}
