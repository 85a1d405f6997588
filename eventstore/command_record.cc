#include "eventstore/command_record.h"

#include "domain/json.h"
#include "domain/kind.h"

namespace aftercare {

std::string encode_command_record(const CommandRecord& r) {
  JsonWriter w;
  w.begin_object().field("subject", r.subject).key("first").uinteger(r.first).key("last").uinteger(r.last);
  w.field("first_id", r.first_id);
  if (r.refused) {
    w.key("refused").begin_object().field("status", errc_name(r.refused->code)).field("detail", r.refused->detail);
    w.field("current_status", r.refused->current_status).end_object();
  }
  return w.end_object().take();
}

std::optional<CommandRecord> decode_command_record(std::string_view row) {
  thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
  auto doc = parse_strict(parser, row);
  CommandRecord r;
  std::string_view subject, first_id;
  if (!doc || (*doc)["subject"].get_string().get(subject) || (*doc)["first"].get_uint64().get(r.first) ||
      (*doc)["last"].get_uint64().get(r.last) || (*doc)["first_id"].get_string().get(first_id))
    return std::nullopt;
  r.subject = subject;
  r.first_id = first_id;
  simdjson::dom::object refused;
  if (!(*doc)["refused"].get_object().get(refused)) {
    std::string_view status, detail, current;
    if (refused["status"].get_string().get(status) || refused["detail"].get_string().get(detail) ||
        refused["current_status"].get_string().get(current) || !errc_from_name(status))
      return std::nullopt;
    r.refused = CommandRecord::Refusal{*errc_from_name(status), std::string(detail), std::string(current)};
  }
  return r;
}

Result<CommandRecord> next_command_record(const Envelope& e, const std::optional<CommandRecord>& earlier) {
  CommandRecord record{e.subject, e.sequence, e.sequence, e.id, std::nullopt};
  const std::string_view refusals = command_kind().name();  // subject "command/<command id>"
  if (e.subject.size() > refusals.size() && e.subject.starts_with(refusals) && e.subject[refusals.size()] == '/') {
    // A refusal: the answer is in the event's data.
    thread_local simdjson::dom::parser parser;
    auto data = parse_strict(parser, e.data);
    std::string_view status, detail, current;
    if (!data || (*data)["status"].get_string().get(status) || (*data)["detail"].get_string().get(detail) ||
        (*data)["current_status"].get_string().get(current) || !errc_from_name(status))
      return Status{Errc::corruption, "malformed refusal " + e.subject};
    record.refused = CommandRecord::Refusal{*errc_from_name(status), std::string(detail), std::string(current)};
  } else if (earlier) {
    // A later event of the same command extends its range.
    record.first = earlier->first;
    record.first_id = earlier->first_id;
  }
  return record;
}

}  // namespace aftercare
