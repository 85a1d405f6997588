#include "projections/aggregates_view.h"

#include <algorithm>
#include <charconv>

#include "domain/json.h"
#include "projections/request_views.h"  // hex16

namespace aftercare {

std::string aggregate_key(AggregateKind kind, std::string_view id) {
  std::string k(kind.name());
  k.push_back('/');
  k.append(id);
  return k;
}

std::vector<Topic> AggregatesProjection::topics() const { return kind_topics(); }

std::string deadline_key(AggregateKind kind, std::string_view id, const Deadline& d) {
  std::string k(kDeadlinePrefix);
  k += hex16(static_cast<uint64_t>(d.due.ms));
  k += '/';
  k += kind.name();
  k += '/';
  k += id;  // ids are [A-Za-z0-9._:-]: no '/'
  k += '/';
  k += d.name;
  return k;
}

std::optional<DeadlineRow> parse_deadline_key(std::string_view key) {
  // due/<16 hex>/<kind>/<id>/<name>
  if (!key.starts_with(kDeadlinePrefix) || key.size() < kDeadlinePrefix.size() + 17) return std::nullopt;
  const std::string_view hex = key.substr(kDeadlinePrefix.size(), 16);
  uint64_t due = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), due, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  std::string_view rest = key.substr(kDeadlinePrefix.size() + 17);
  const size_t a = rest.find('/'), b = rest.rfind('/');
  if (a == std::string_view::npos || a == b) return std::nullopt;
  auto kind = kind_named(rest.substr(0, a));
  if (!kind) return std::nullopt;
  return DeadlineRow{*kind, std::string(rest.substr(a + 1, b - a - 1)),
                     Deadline{std::string(rest.substr(b + 1)), Timestamp{static_cast<int64_t>(due)}}};
}

std::string encode_head(const AggregateHead& h) {
  JsonWriter w;
  w.begin_object().key("sequence").uinteger(h.sequence).field("hash", h.hash).key("state");
  if (h.state.empty()) w.null();
  else w.raw(h.state);
  w.end_object();
  return w.take();
}

Result<AggregateHead> decode_head(std::string_view row) {
  thread_local simdjson::dom::parser parser;  // reused: one allocation per thread
  auto root = parse_strict(parser, row);
  if (!root) return Status{Errc::corruption, "aggregate row: " + root.status().message()};
  AggregateHead h;
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
  AggregateHead head;
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
  auto folded = fold_with_deadlines(*kind, ev.envelope.aggregate_id, head.state,
                                    Event{type->event, type->version, ev.envelope.data, ev.envelope.time});
  if (!folded) return folded.status();
  head.sequence = ev.envelope.sequence;
  head.hash = chain_hash(ev.raw);
  head.state = std::move(folded->state);
  txn.put(key, encode_head(head));
  // The deadline index follows the aggregate's deadlines.
  for (const Deadline& d : folded->before)
    if (std::find(folded->after.begin(), folded->after.end(), d) == folded->after.end())
      txn.del(deadline_key(*kind, ev.envelope.aggregate_id, d));
  for (const Deadline& d : folded->after)
    if (std::find(folded->before.begin(), folded->before.end(), d) == folded->before.end())
      txn.put(deadline_key(*kind, ev.envelope.aggregate_id, d), "");
  return Status::ok();
}

}  // namespace aftercare
