#include "projections/event_reader.h"

#include <algorithm>

#include "domain/kind.h"
#include "eventstore/quarantine.h"
#include "projections/catalog.h"
#include "projections/request_views.h"

namespace aftercare {

Result<Record> indexed_record(EventLog& log, std::string_view row, std::string_view where) {
  auto at = parse_record_name(where);
  if (!at) return Status{Errc::corruption, "events index row " + std::string(row) + " names no record"};
  std::vector<Record> records;
  if (Status s = log.read({at->topic, at->partition}, at->offset, 1, records); !s) return s;
  if (records.empty() || records[0].offset != at->offset)
    return Status{Errc::corruption, "the events index names " + std::string(where) + ", past the log's end"};
  return std::move(records[0]);
}

Result<std::vector<IndexedEvent>> events_of(EventLog& log, const ReadStore& store,
                                            const std::string& subject, uint64_t max_sequence, uint64_t after,
                                            size_t limit) {
  std::vector<IndexedEvent> out;
  if (after >= max_sequence || limit == 0) return out;
  simdjson::dom::parser parser;
  const std::string prefix = "e/" + key_part(subject) + "/";
  // Sequences are 1, 2, 3 ... without gaps: the rows wanted are the next
  // min(limit, max_sequence - after) from after + 1, and no more are read.
  const size_t wanted = static_cast<size_t>(std::min<uint64_t>(limit, max_sequence - after));
  const auto rows = store.scan(EventIndexProjection::kName, prefix, prefix + hex16(after + 1), wanted);
  if (!rows) return rows.status();
  for (const auto& [key, where] : *rows) {
    auto record = indexed_record(log, key, where);
    if (!record) return record.status();
    auto env = decode(record->value, parser);
    if (!env) return env.status();
    if (Status st = event_upcasters().upcast(*env); !st) return st;
    out.push_back({std::move(env).value(), std::move(record->value)});
  }
  return out;
}

Status fold_envelope(FoldedState& folded, const Envelope& e) {
  auto type = parse_type(e.type);
  if (!type) return type.status();
  auto kind = kind_named(type->aggregate);
  if (!kind) return {Errc::corruption, "unknown aggregate " + type->aggregate};
  auto next = fold(*kind, e.aggregate_id, folded.state, Event{type->event, type->version, e.data, e.time});
  if (!next) return next.status();
  folded.state = std::move(next).value();
  folded.version = e.sequence;
  return Status::ok();
}

}  // namespace aftercare
