#include "projections/aggregates_view.h"

#include "domain/json.h"

namespace aftercare {

std::vector<Topic> AggregatesProjection::topics() const { return kind_topics(); }

std::string encode_head(const AggregateRow& h) {
  JsonWriter w;
  w.begin_object().key("sequence").uinteger(h.sequence).field("hash", h.hash).key("state");
  if (h.state.empty()) w.null();
  else w.raw(h.state);
  w.end_object();
  return w.take();
}

Result<AggregateRow> decode_head(std::string_view row) {
  thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
  auto root = parse_strict(parser, row);
  if (!root) return Status{Errc::corruption, "aggregate row: " + root.status().message()};
  AggregateRow h;
  std::string_view hash;
  simdjson::dom::element state;
  if ((*root)["sequence"].get_uint64().get(h.sequence) || (*root)["hash"].get_string().get(hash) ||
      (*root)["state"].get(state))
    return Status{Errc::corruption, "aggregate row is incomplete"};
  h.hash = hash;
  if (!state.is_null()) write_canonical(state, h.state);
  return h;
}

Status AggregatesProjection::apply(const StoredEvent& ev, ProjectionTxn& txn) {
  auto type = parse_type(ev.envelope.type);
  if (!type) return type.status();
  auto kind = kind_named(type->aggregate);
  if (!kind) return {Errc::corruption, "unknown aggregate kind " + type->aggregate};
  const std::string key = aggregate_key(*kind, ev.envelope.aggregate_id);
  AggregateRow head;
  if (auto row = txn.get(key)) {
    auto decoded = decode_head(*row);
    if (!decoded) return decoded.status();
    head = std::move(decoded).value();
  }
  // The log is the authority: a gap or a fork here means it was altered.
  if (ev.envelope.sequence != head.sequence + 1 || ev.envelope.prevhash != head.hash) {
    return {Errc::corruption, key + ": event " + std::to_string(ev.envelope.sequence) +
                                  " does not follow event " + std::to_string(head.sequence)};
  }
  auto state = fold(*kind, ev.envelope.aggregate_id, head.state,
                    Event{type->event, type->version, ev.envelope.data, ev.envelope.time});
  if (!state) return state.status();
  head.sequence = ev.envelope.sequence;
  head.hash = chain_hash(ev.raw);
  head.state = std::move(state).value();
  txn.put(key, encode_head(head));
  return Status::ok();
}

}  // namespace aftercare
