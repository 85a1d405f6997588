#include "replay/replay.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "domain/json.h"
#include "domain/kind.h"
#include "projections/catalog.h"
#include "projections/event_reader.h"
#include "projections/request_views.h"
#include "projections/runner.h"
#include "eventstore/quarantine.h"

namespace aftercare {
namespace {

int64_t total_events(EventLog& log, const std::optional<ProjectionPositions>& until) {
  if (until) {
    // Records read: per partition, the furthest any projection goes.
    std::map<TopicPartition, int64_t> furthest;
    for (const auto& [name, position] : *until)
      for (const auto& [tp, next] : position.entries()) furthest[tp] = std::max(furthest[tp], next);
    int64_t n = 0;
    for (const auto& [tp, next] : furthest) n += next;
    return n;
  }
  int64_t n = 0;
  for (Topic t : kAllTopics) {
    for (int32_t p = 0; p < log.partition_count(); ++p) {
      auto end = log.end_offset({t, p});
      if (end) n += *end;
    }
  }
  return n;
}

}  // namespace

Result<RebuildReport> rebuild(EventLog& log, const std::string& out_dir, const Progress& progress,
                              const std::optional<ProjectionPositions>& until, const Quarantine* quarantine) {
  if (std::filesystem::exists(out_dir) && !std::filesystem::is_empty(out_dir))
    return Status{Errc::invalid_argument, out_dir + " is not empty"};
  Catalog catalog = make_catalog();
  auto store = ReadStore::open(out_dir, catalog.family_names());
  if (!store) return store.status();
  RunnerOptions options;
  options.max_batch = 4096;
  options.bulk = true;
  options.quarantine = quarantine;
  ProjectionRunner runner(log, **store, catalog.pointers(), catalog.upcasters, options);
  const int64_t total = total_events(log, until);
  const auto start = std::chrono::steady_clock::now();
  Status s = runner.catch_up([&](int64_t done) { if (progress) progress(done, total); }, until);
  if (!s) return s;
  RebuildReport report;
  report.events = runner.events_applied();
  report.rows = runner.rows_written();
  const auto times = runner.catch_up_times();
  report.read_seconds = times.read;
  report.fold_seconds = times.fold;
  report.write_seconds = times.write;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.digest = (*store)->digest();
  return report;
}

Status verify_against_live(EventLog& log, const ReadStore& live, const std::string& scratch_dir,
                           const Progress& progress, RebuildReport* report, const Quarantine* quarantine) {
  Catalog catalog = make_catalog();
  // Each read model up to its own checkpoints: one being rebuilt is behind the others.
  ProjectionPositions reached;
  for (Projection* p : catalog.pointers())
    reached[std::string(p->name())] = live.checkpoints(p->name(), consumed_partitions({p}, log.partition_count()));
  auto rebuilt = rebuild(log, scratch_dir, progress, reached, quarantine);
  if (!rebuilt) return rebuilt.status();
  if (report) *report = *rebuilt;
  if (rebuilt->digest == live.digest()) return Status::ok();
  auto scratch = ReadStore::open(scratch_dir, catalog.family_names(), /*read_only=*/true);
  if (!scratch) return scratch.status();
  auto diff = live.first_difference(**scratch);
  return {Errc::corruption, "read models differ from a rebuild: " +
                                diff.value_or("digests differ but no differing row was found")};
}

namespace {

// Appends `r`, decoded and upcast, unless an operator set it aside.
Status add_entry(const Record& r, const Quarantine* quarantine, simdjson::dom::parser& parser,
                 std::vector<HistoryEntry>& out) {
  if (quarantine && quarantine->contains(r)) return Status::ok();
  const RecordId at{r.topic, r.partition, r.offset};
  auto env = decode(r.value, parser);
  if (!env)
    return Status{Errc::corruption, "record " + record_name(at) + " does not decode (" + env.status().message() +
                                        "); " + undecodable_advice(at)};
  if (Status st = event_upcasters().upcast(*env); !st) return st;
  out.push_back({at, std::move(env).value()});
  return Status::ok();
}

// The records of `tp` from `from` to its end whose key is `key`.
Status scan_for_key(EventLog& log, TopicPartition tp, int64_t from, std::string_view key,
                    const Quarantine* quarantine, simdjson::dom::parser& parser, std::vector<HistoryEntry>& out) {
  auto end = log.end_offset(tp);
  if (!end) return end.status();
  std::vector<Record> records;
  for (int64_t next = from; next < *end; next += static_cast<int64_t>(records.size())) {
    records.clear();
    if (Status s = log.read(tp, next, 4096, records); !s) return s;
    if (records.empty()) break;
    for (const Record& r : records)
      if (r.key == key)
        if (Status s = add_entry(r, quarantine, parser, out); !s) return s;
  }
  return Status::ok();
}

// The indexed part of a case: its aggregates (k/ rows), their events (e/ rows).
Status indexed_events(EventLog& log, const ReadStore& index, std::string_view key, const Quarantine* quarantine,
                      simdjson::dom::parser& parser, std::vector<HistoryEntry>& out) {
  const std::string cases = "k/" + key_part(key) + "/";
  auto subjects = index.scan(EventIndexProjection::kName, cases, "", SIZE_MAX);
  if (!subjects) return subjects.status();
  for (const auto& [case_row, unused] : *subjects) {
    const std::string events = "e/" + case_row.substr(cases.size()) + "/";  // the subject, escaped as in k/
    auto rows = index.scan(EventIndexProjection::kName, events, "", SIZE_MAX);
    if (!rows) return rows.status();
    for (const auto& [row, where] : *rows) {
      auto record = indexed_record(log, row, where);
      if (!record) return record.status();
      if (Status s = add_entry(*record, quarantine, parser, out); !s) return s;
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<HistoryEntry>> history(EventLog& log, std::string_view key, const Quarantine* quarantine,
                                          const ReadStore* index) {
  std::vector<HistoryEntry> out;
  simdjson::dom::parser parser;
  const int32_t partition = log.partition_of(key);
  Position indexed;  // per partition, the offset the index covers
  if (index) {
    std::vector<TopicPartition> tps;
    for (Topic t : kind_topics()) tps.push_back({t, partition});
    indexed = index->checkpoints(EventIndexProjection::kName, tps);
    if (Status s = indexed_events(log, *index, key, quarantine, parser, out); !s) return s;
  }
  // The tail the index does not cover yet (all of it without an index):
  // the topics the index covers, those the registered kinds write to.
  for (Topic t : kind_topics()) {
    const TopicPartition tp{t, partition};
    auto it = indexed.entries().find(tp);
    const int64_t from = it == indexed.entries().end() ? 0 : it->second;
    if (Status s = scan_for_key(log, tp, from, key, quarantine, parser, out); !s) return s;
  }
  // One command's events share a time; within it, keep each aggregate's sequence.
  std::stable_sort(out.begin(), out.end(), [](const HistoryEntry& a, const HistoryEntry& b) {
    if (a.envelope.time != b.envelope.time) return a.envelope.time < b.envelope.time;
    if (a.envelope.subject == b.envelope.subject) return a.envelope.sequence < b.envelope.sequence;
    return false;
  });
  return out;
}

namespace {

// The stock items (Kafka keys "<warehouse>/<part>") an event of a case names.
void stock_keys_named(const Envelope& e, simdjson::dom::parser& parser, std::set<std::string>& keys) {
  auto doc = parser.parse(e.data);
  if (doc.error()) return;
  simdjson::dom::element data = doc.value_unsafe();
  std::string_view warehouse, part;
  if (!data["warehouse_id"].get_string().get(warehouse) && !data["part_no"].get_string().get(part))
    keys.insert(std::string(warehouse) + "/" + std::string(part));
  if (data["parts_warehouse_id"].get_string().get(warehouse)) return;
  for (const char* list : {"parts", "parts_needed"}) {
    simdjson::dom::array lines;
    if (data[list].get_array().get(lines)) continue;
    for (auto line : lines)
      if (!line["part_no"].get_string().get(part)) keys.insert(std::string(warehouse) + "/" + std::string(part));
  }
}

}  // namespace

Result<std::vector<HistoryEntry>> case_history(EventLog& log, std::string_view key, const Quarantine* quarantine,
                                               const ReadStore* index) {
  auto out = history(log, key, quarantine, index);
  if (!out) return out;
  simdjson::dom::parser parser;
  std::set<std::string> ids, items;  // the case's aggregate ids; the stock items it names
  for (const HistoryEntry& h : *out) {
    ids.insert(h.envelope.aggregate_id);
    stock_keys_named(h.envelope, parser, items);
  }
  const size_t own = out->size();
  for (const std::string& item : items) {
    auto moves = history(log, item, quarantine, index);
    if (!moves) return moves.status();
    for (HistoryEntry& m : *moves) {
      const std::string dispatch = string_member(m.envelope.data, "dispatch_id"), visit = string_member(m.envelope.data, "visit_id");
      if (!ids.contains(dispatch) && !ids.contains(visit)) continue;
      m.related = true;
      out->push_back(std::move(m));
    }
  }
  if (out->size() == own) return out;
  std::stable_sort(out->begin(), out->end(), [](const HistoryEntry& a, const HistoryEntry& b) {
    if (a.envelope.time != b.envelope.time) return a.envelope.time < b.envelope.time;
    if (a.envelope.subject == b.envelope.subject) return a.envelope.sequence < b.envelope.sequence;
    return false;
  });
  return out;
}

Result<std::string> state_as_of(const std::vector<HistoryEntry>& history, std::string_view subject,
                                std::optional<Timestamp> as_of) {
  FoldedState folded;
  for (const auto& h : history) {
    if (h.envelope.subject != subject) continue;
    if (as_of && h.envelope.time > *as_of) break;
    if (Status s = fold_envelope(folded, h.envelope); !s) return s;
  }
  return folded.state;
}

Result<ChainReport> verify_chains(EventLog& log, const std::vector<ChainHead>* heads, const Progress& progress,
                                  const Quarantine* quarantine) {
  struct Link {
    uint64_t sequence = 0;
    std::string hash = std::string(kGenesisHash);
  };
  std::map<std::string, Link> chains;  // subject -> last link seen
  ChainReport report;
  simdjson::dom::parser parser;
  const int64_t total = total_events(log, std::nullopt);
  auto broken = [&](const Record& r, const std::string& why) {
    report.first_break = record_name({r.topic, r.partition, r.offset}) + ": " + why;
  };
  for (Topic t : kAllTopics) {
    for (int32_t p = 0; p < log.partition_count(); ++p) {
      auto end = log.end_offset({t, p});
      if (!end) return end.status();
      std::vector<Record> records;
      for (int64_t next = 0; next < *end; next += static_cast<int64_t>(records.size())) {
        records.clear();
        if (Status s = log.read({t, p}, next, 4096, records); !s) return s;
        if (records.empty()) break;
        for (const Record& r : records) {
          if (quarantine && quarantine->contains(r)) {
            ++report.quarantined;
            continue;
          }
          ++report.events;
          auto env = decode(r.value, parser);
          if (!env)
            return broken(r, "does not decode (" + env.status().message() + "); " +
                                 undecodable_advice({r.topic, r.partition, r.offset})), report;
          if (encode(*env) != r.value) return broken(r, "is not in canonical form (altered)"), report;
          Link& link = chains[env->subject];
          if (env->sequence != link.sequence + 1)
            return broken(r, env->subject + " event " + std::to_string(env->sequence) +
                                 " follows event " + std::to_string(link.sequence)), report;
          if (env->prevhash != link.hash)
            return broken(r, env->subject + " event " + std::to_string(env->sequence) +
                                 ": prevhash does not match the previous event (it was altered)"), report;
          link.sequence = env->sequence;
          link.hash = chain_hash(r.value);
        }
        if (progress) progress(report.events, total);
      }
    }
  }
  report.aggregates = static_cast<int64_t>(chains.size());
  if (!heads) return report;
  report.heads_checked = true;
  // Every head the write side recorded must be a link of its chain: a head
  // beyond the chain's end means events were removed from the log's tail, a
  // head without a chain means an aggregate was removed. A chain beyond its
  // head is newer than the write side's rows (written after the log) and
  // not compared.
  for (const ChainHead& head : *heads) {
    auto it = chains.find(head.subject);  // aggregate keys are "<kind>/<id>", as subjects are
    if (it == chains.end()) {
      report.first_break = head.subject + ": the write side recorded " + std::to_string(head.sequence) +
                           " events, the log has none (the aggregate was removed)";
      return report;
    }
    const Link& link = it->second;
    if (head.sequence > link.sequence) {
      report.first_break = head.subject + ": the write side recorded " + std::to_string(head.sequence) +
                           " events, the log ends at " + std::to_string(link.sequence) + " (events were removed)";
      return report;
    }
    if (head.sequence < link.sequence) {
      ++report.heads_behind;
    } else if (head.hash != link.hash) {
      report.first_break = head.subject + " event " + std::to_string(link.sequence) +
                           " differs from the event the write side recorded (it was altered)";
      return report;
    } else {
      ++report.heads_matched;
    }
  }
  return report;
}

}  // namespace aftercare
